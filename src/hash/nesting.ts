/**
 * How deeply containers (arrays, objects, Maps, Sets, registered classes' encodings)
 * may nest in a value that is hashed or that travels. The encoders recurse, and
 * msgpackr's recursion runs out of stack at about 2,000 levels of objects on Node 20:
 * a fixed limit well below that makes "too deep" a clear refusal with a path at call
 * time, never a RangeError somewhere later, and makes every value that can be
 * addressed also one that can travel and be stored. See docs/hash-format.md.
 */
export const MAX_NESTING = 512;
