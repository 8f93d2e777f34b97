// A resumable upload with tus-js-client (docs/video.md): the video exists from
// the upload's creation on; its id comes back in the Video-Id header.
import { apiUrl } from "./api.js";

/**
 * Upload `file`, reporting progress (0-100). Resolves to the new video's id.
 * `api` gives the current access token to every request, so an upload that
 * outlives a token carries on with the refreshed one.
 */
export function uploadVideo(api, file, { title, onProgress }) {
  const tus = window.tus;
  return new Promise((resolve, reject) => {
    let videoId = null;
    const upload = new tus.Upload(file, {
      endpoint: apiUrl("/uploads/").href,
      metadata: { filename: file.name, filetype: file.type || "video/mp4", title: title || file.name },
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (request) => {
        request.setHeader("Authorization", `Bearer ${api.accessToken}`);
      },
      onAfterResponse: (request, response) => {
        videoId = response.getHeader("Video-Id") || videoId;
      },
      onShouldRetry: (error, retryAttempt, options) => {
        const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (status === 401) {
          // The access token expired mid-upload: refresh it, then let tus retry.
          api.refresh().catch(() => {});
          return true;
        }
        return status === 0 || status === 409 || status === 423 || status >= 500;
      },
      onProgress: (sent, total) => onProgress?.(total ? Math.floor((sent / total) * 100) : 0),
      onError: reject,
      onSuccess: () => (videoId ? resolve(videoId) : reject(new Error("no Video-Id header"))),
    });
    // Resume an earlier, interrupted upload of the same file if the browser remembers one.
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });
}
