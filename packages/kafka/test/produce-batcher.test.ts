// The batcher between the transport and the producer: requests of at most batchSize records and about
// maxRequestBytes, one in flight, in order; a send larger than that goes in parts, and after a failed part the
// rest of that send is not sent. The produce function stands for the producer's send (the broker tests
// fault-poison-record and the conformance suite run the real one).
import { describe, expect, it } from 'vitest';
import { ProduceBatcher } from '../src/produce-batcher.js';

function recorder(fail?: (records: number[]) => boolean) {
  const requests: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const produce = async (records: number[]) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    if (fail?.(records)) throw new Error(`refused ${records[0]}..${records.at(-1)}`);
    requests.push(records);
  };
  return { requests, produce, maxInFlight: () => maxInFlight };
}

describe('ProduceBatcher', () => {
  it('splits one large send into requests of at most batchSize records, in order, one in flight', async () => {
    const { requests, produce, maxInFlight } = recorder();
    const batcher = new ProduceBatcher(produce, { lingerMs: 0, batchSize: 1000 });
    await batcher.send(Array.from({ length: 2500 }, (_, i) => i));
    expect(requests.map((request) => request.length)).toEqual([1000, 1000, 500]);
    expect(requests.flat()).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(maxInFlight()).toBe(1);
  });

  it('keeps each request under maxRequestBytes, and sends a record larger than that alone', async () => {
    const { requests, produce } = recorder();
    const batcher = new ProduceBatcher(produce, {
      lingerMs: 0,
      batchSize: 1000,
      maxRequestBytes: 1000,
      sizeOf: (n: number) => (n === 7 ? 5000 : 300),
    });
    await batcher.send(Array.from({ length: 10 }, (_, i) => i));
    expect(requests).toEqual([[0, 1, 2], [3, 4, 5], [6], [7], [8, 9]]);
  });

  it('coalesces small sends into one request and still splits them by bytes', async () => {
    const { requests, produce } = recorder();
    const batcher = new ProduceBatcher(produce, { lingerMs: 5, batchSize: 1000, maxRequestBytes: 1000, sizeOf: () => 300 });
    await Promise.all([batcher.send([1]), batcher.send([2]), batcher.send([3]), batcher.send([4])]);
    expect(requests).toEqual([[1, 2, 3], [4]]);
  });

  it('after a part of a split send fails, rejects that send without sending its later parts; other sends go on', async () => {
    const { requests, produce } = recorder((records) => records.includes(1500));
    const batcher = new ProduceBatcher(produce, { lingerMs: 0, batchSize: 1000 });
    const large = batcher.send(Array.from({ length: 3000 }, (_, i) => i));
    const other = batcher.send([9000]);
    await expect(large).rejects.toThrow('refused 1000..1999');
    await other;
    await batcher.drain();
    expect(requests.map((request) => [request[0], request.length])).toEqual([
      [0, 1000],
      [9000, 1],
    ]);
  });
});
