// The piscina floor's task (floors.ts): inc over one message's numbers, summed, so the
// message and its reply carry as little as a batch of tiny tasks can.
export default function incAll(numbers) {
  let sum = 0;
  for (const n of numbers) sum += n + 1;
  return sum;
}
