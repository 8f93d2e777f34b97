// HLS playback with hls.js (Media Source Extensions), or the browser's own HLS
// where it has one (Safari). The playlist URLs the API gives are signed: no header needed.
import Hls from "../vendor/hls.light.min.mjs";

/** Play `masterUrl` in `video` (muted, so browsers let it start on its own). */
export function play(video, masterUrl) {
  video.muted = true;
  video.playsInline = true;
  video.loop = true;
  video.controls = true;
  const start = () => video.play().catch(() => {}); // a refused autoplay leaves the controls
  if (Hls.isSupported()) {
    const hls = new Hls({ enableWorker: false });
    hls.on(Hls.Events.MANIFEST_PARSED, start);
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else if (data.fatal) hls.destroy();
    });
    hls.loadSource(masterUrl);
    hls.attachMedia(video);
    return () => hls.destroy();
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = masterUrl;
    video.addEventListener("loadedmetadata", start, { once: true });
  }
  return () => video.removeAttribute("src");
}
