/** `ms` of a quiet 440 Hz tone as PCM16 little-endian mono: audio the agent's output path plays. */
export function tone(sampleRate: number, ms: number): Buffer {
  const samples = Math.round((sampleRate * ms) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(800 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), i * 2);
  return pcm;
}
