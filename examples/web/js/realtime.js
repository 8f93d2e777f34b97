// The realtime WebSocket (docs/realtime.md): `user:<me>` brings notifications,
// `post:<id>` the counters of the posts on screen. Topics are followed again
// after a reconnect; frames the client sends are paced under the server's
// rate limit (5 a second by default).
import { apiUrl } from "./api.js";

const SEND_INTERVAL_MS = 250;

export class Realtime {
  constructor(api, { onFrame, onState }) {
    this.api = api;
    this.onFrame = onFrame;
    this.onState = onState || (() => {});
    this.topics = new Set();
    this.outbox = [];
    this.socket = null;
    this.retryMs = 1000;
    this.stopped = true;
    this.pump = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    this.pump = setInterval(() => this.sendNext(), SEND_INTERVAL_MS);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pump);
    this.socket?.close(1000);
    this.socket = null;
    this.topics.clear();
    this.outbox = [];
  }

  follow(topic) {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    if (this.socket?.readyState === WebSocket.OPEN) this.outbox.push({ op: "subscribe", topic });
  }

  connect() {
    const url = apiUrl("/ws");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.api.accessToken);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 1000;
      this.outbox = [...this.topics].map((topic) => ({ op: "subscribe", topic }));
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.event === "subscribed" && frame.topic?.startsWith("user:")) this.onState("live");
      this.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.onState("offline");
      if (this.stopped) return;
      if (event.code === 4401) {
        // The access token expired or was revoked: refresh, then come back.
        this.api.refresh().then(() => this.connect(), () => {});
        return;
      }
      setTimeout(() => this.stopped || this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30000);
    };
  }

  sendNext() {
    if (this.socket?.readyState !== WebSocket.OPEN || !this.outbox.length) return;
    this.socket.send(JSON.stringify(this.outbox.shift()));
  }
}
