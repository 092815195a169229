import { expect } from 'chai';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

const A = 'MSH|^~\\&|LAB|HOSP|FD|CLINIC|20240101120000||ORU^R01|1|P|2.5.1\rPID|1||12345\r';
const B = 'MSH|^~\\&|LAB|HOSP|FD|CLINIC|20240101120001||ORU^R01|2|P|2.5.1\rPID|1||é\r';

describe('MLLP framing', () => {
  it('wraps a message in VT ... FS CR', () => {
    const f = encodeFrame('MSH|x');
    expect(f[0]).to.equal(0x0b);
    expect(f.subarray(1, 6).toString()).to.equal('MSH|x');
    expect([...f.subarray(6)]).to.deep.equal([0x1c, 0x0d]);
  });

  it('decodes one frame', () => {
    const d = new FrameDecoder();
    expect(d.push(encodeFrame(A))).to.deep.equal({ frames: [A], skippedBytes: 0, oversized: 0 });
    expect(d.inProgress).to.equal(false);
  });

  it('decodes several frames in one read', () => {
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([encodeFrame(A), encodeFrame(B), encodeFrame(A)]));
    expect(r.frames).to.deep.equal([A, B, A]);
    expect(r.skippedBytes).to.equal(0);
  });

  it('reassembles a frame split at every byte boundary, multi-byte characters included', () => {
    const bytes = Buffer.concat([encodeFrame(A), encodeFrame(B)]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder();
      const r1 = d.push(bytes.subarray(0, cut));
      const r2 = d.push(bytes.subarray(cut));
      expect([...r1.frames, ...r2.frames], `cut at ${cut}`).to.deep.equal([A, B]);
      expect(r1.skippedBytes + r2.skippedBytes).to.equal(0);
    }
  });

  it('decodes a frame fed one byte at a time', () => {
    const d = new FrameDecoder();
    const frames: string[] = [];
    for (const b of encodeFrame(B)) frames.push(...d.push(Buffer.from([b])).frames);
    expect(frames).to.deep.equal([B]);
  });

  it('skips and counts bytes before the start block and between frames', () => {
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([Buffer.from('garbage!'), encodeFrame(A), Buffer.from('\r\n'), encodeFrame(B)]));
    expect(r.frames).to.deep.equal([A, B]);
    expect(r.skippedBytes).to.equal(8 + 2);
  });

  it('counts a read of pure noise as skipped', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from('hello'))).to.deep.equal({ frames: [], skippedBytes: 5, oversized: 0 });
  });

  it('abandons a partial frame when a new start block arrives', () => {
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|partial'), encodeFrame(A)]));
    expect(r.frames).to.deep.equal([A]);
    expect(r.skippedBytes).to.equal(1 + 'MSH|partial'.length);
  });

  it('drops a frame above the size limit and keeps decoding the next one', () => {
    const d = new FrameDecoder({ maxFrameSize: 100 });
    const big = 'MSH|' + 'x'.repeat(500);
    const r1 = d.push(encodeFrame(big).subarray(0, 300));
    expect(r1.frames).to.deep.equal([]);
    expect(d.inProgress).to.equal(true);
    const r2 = d.push(Buffer.concat([encodeFrame(big).subarray(300), encodeFrame('MSH|small')]));
    expect(r2.oversized).to.equal(1);
    expect(r2.frames).to.deep.equal(['MSH|small']);
  });

  it('drops a frame whose last piece takes it above the size limit, in one read or split, and keeps one exactly at the limit', () => {
    const limit = 'MSH|'.length + 96;
    const at = 'MSH|' + 'y'.repeat(96);
    const over = at + 'z';
    for (const split of [0, 20]) {
      const d = new FrameDecoder({ maxFrameSize: limit, bytes: true });
      const bytes = Buffer.concat([encodeFrame(over), encodeFrame(at)]);
      const parts = split ? [bytes.subarray(0, split), bytes.subarray(split)] : [bytes];
      const rs = parts.map((p) => d.push(p));
      expect(rs.reduce((n, r) => n + r.oversized, 0), `split ${split}`).to.equal(1);
      const arrivals = rs.flatMap((r) => r.arrivals ?? []);
      expect(arrivals.map((a) => (a === null ? null : a.toString('latin1'))), `split ${split}`).to.deep.equal([null, at]);
    }
  });

  it('hands over bytes of its own: the read buffer may be reused once push returns', () => {
    for (const split of [0, 30]) {
      const d = new FrameDecoder({ bytes: true });
      const read = Buffer.from(encodeFrame(A));
      const payloads = split ? [...d.push(read.subarray(0, split)).payloads!, ...d.push(read.subarray(split)).payloads!] : d.push(read).payloads!;
      read.fill(0x41);
      expect(payloads.map((p) => p.toString('latin1')), `split ${split}`).to.deep.equal([A]);
    }
  });

  it('reports a frame in progress', () => {
    const d = new FrameDecoder();
    d.push(encodeFrame(A).subarray(0, 10));
    expect(d.inProgress).to.equal(true);
    expect(d.pendingBytes).to.equal(9);
  });
});
