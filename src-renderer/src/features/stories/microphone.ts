/**
 * Starts recording the microphone (it may throw: no permission, no device). Once the recorder is
 * stopped, the microphone is released and `onStop` gets the recording.
 */
export async function recordMicrophone(onStop: (audio: Blob) => void | Promise<void>): Promise<MediaRecorder> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const rec = new MediaRecorder(stream);
  const chunks: Blob[] = [];
  rec.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
  rec.onstop = () => {
    stream.getTracks().forEach((t) => t.stop());
    void onStop(new Blob(chunks, { type: rec.mimeType }));
  };
  rec.start();
  return rec;
}
