// Upload a file with tus-js-client's defaults (plus an optional chunk size);
// print {"url": ..., "videoId": ...} as JSON. Used by test_tus_js_client.py.
import fs from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, token, file, chunkSize] = process.argv.slice(2);
let videoId = null;
const options = {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: "clip.mp4", filetype: "video/mp4" },
  retryDelays: [0, 200, 500],
  onAfterResponse: (req, res) => {
    videoId = res.getHeader("Video-Id") || videoId;
  },
  onError: (error) => {
    console.error(String(error));
    process.exit(1);
  },
  onSuccess: () => {
    console.log(JSON.stringify({ url: upload.url, videoId }));
  },
};
if (chunkSize) options.chunkSize = Number(chunkSize);
const upload = new tus.Upload(fs.readFileSync(file), options);
upload.start();
