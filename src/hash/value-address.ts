/**
 * The value key of a call whose inputs have results: the CID of the record
 *
 *   ["memograph/value-key", 2, <link: identity record CID>, [arg0, arg1, …]]
 *
 * encoded as the call record is (call-address.ts), except that each graph node
 * among the arguments is a link to the CID of its *result* instead of its call.
 * Two calls of one function whose inputs returned identical values share a value
 * key, whatever computed those inputs: that is what lets a dependent be served
 * from the cache when its input ran again (a `cache: false` input, or one whose
 * code changed) and returned the same result. Its own tag keeps a value key from
 * ever equalling a call CID, so both may share the store's record keyspace.
 */
import { acquireEncoder, releaseEncoder, type LinkOf } from './canonical.js';
import { recordPrefix } from './call-address.js';
import { DAG_CBOR } from './cid.js';
import { identityAddress, type FunctionIdentity } from './identity.js';

const VALUE_KEY_PREFIX = recordPrefix('memograph/value-key', 4);

/**
 * `resultOf` gives the result CID of each graph node in `args`. Throws
 * UnhashableError like callAddress when an argument does not encode.
 */
export function valueAddress(identity: FunctionIdentity, args: readonly unknown[], resultOf: LinkOf): string {
  const encoder = acquireEncoder('args', resultOf);
  try {
    encoder.raw(VALUE_KEY_PREFIX);
    encoder.linkBytes(identityAddress(identity).bytes);
    encoder.head(4, args.length);
    for (let i = 0; i < args.length; i++) encoder.arg(i, args[i]);
    return encoder.cid(DAG_CBOR);
  } finally {
    releaseEncoder(encoder);
  }
}
