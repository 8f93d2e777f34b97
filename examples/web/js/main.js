// The example web client: sign in or register, the home feed, post a clip
// (tus upload with progress, then HLS playback), likes and notifications live.
import { Api } from "./api.js";
import { Feed } from "./feed.js";
import { Realtime } from "./realtime.js";
import { uploadVideo } from "./upload.js";

const $ = (selector) => document.querySelector(selector);
const api = new Api();
const feed = new Feed(api, $("#feed"), $("#post-template"));
let me = null;
let realtime = null;
let nextCursor = null;
const seenNotifications = new Set();
let unread = 0;

function describe(notification) {
  if (notification.text) return notification.text; // kinds apps add come ready to show
  const who = notification.actor ? `@${notification.actor.username}` : "Someone";
  const what = {
    liked: "liked your post",
    commented: "commented on your post",
    replied: "replied to your comment",
    mentioned: "mentioned you",
    shared: "shared your post",
    followed: "followed you",
    follow_requested: "asked to follow you",
    follow_approved: "approved your follow request",
  }[notification.kind] || notification.kind;
  return `${who} ${what}`;
}

function showNotification(notification, { live = false } = {}) {
  if (seenNotifications.has(notification.id)) return;
  seenNotifications.add(notification.id);
  const item = document.createElement("li");
  item.dataset.kind = notification.kind;
  item.textContent = describe(notification);
  if (live) {
    item.classList.add("fresh");
    $("#notifications").prepend(item);
    unread += 1;
    $("#unread").textContent = String(unread);
    $("#unread").hidden = false;
  } else {
    $("#notifications").append(item);
  }
}

function onFrame(frame) {
  if (frame.event === "notification") showNotification(frame.data, { live: true });
  else if (frame.event === "counters") feed.counters(frame.data);
}

function onState(state) {
  $("#live-status").dataset.state = state;
  $("#live-status").textContent = state;
  if (state === "live") loadNotifications(); // catch up on what came while away
}

async function loadNotifications() {
  const page = await api.request("GET", "/notifications", { query: { limit: 20 } });
  for (const notification of page.items) showNotification(notification);
}

function followPost(post) {
  realtime?.follow(`post:${post.id}`);
}

async function loadFeed() {
  const page = await api.request("GET", "/feed/home", { query: { limit: 20, cursor: nextCursor } });
  for (const post of page.items) if (feed.show(post)) followPost(post);
  nextCursor = page.next_cursor;
  $("#more").hidden = !nextCursor;
}

async function enter() {
  me = await api.request("GET", "/users/me");
  $("#whoami").textContent = `@${me.username}`;
  $("#auth").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  realtime = new Realtime(api, { onFrame, onState });
  realtime.follow(`user:${me.id}`);
  realtime.start();
  await Promise.all([loadFeed(), loadNotifications()]);
}

function leave() {
  realtime?.stop();
  realtime = null;
  me = null;
  nextCursor = null;
  feed.clear();
  seenNotifications.clear();
  unread = 0;
  $("#notifications").replaceChildren();
  $("#unread").hidden = true;
  $("#whoami").textContent = "";
  $("#app").hidden = true;
  $("#auth").hidden = false;
  $("#sign-out").hidden = true;
}

function fieldsOf(form) {
  return Object.fromEntries(new FormData(form).entries());
}

async function authenticate(event, action) {
  event.preventDefault();
  $("#auth-error").textContent = "";
  try {
    await action(fieldsOf(event.target));
    event.target.reset();
    await enter();
  } catch (error) {
    $("#auth-error").textContent = error.message;
  }
}

$("#sign-in-form").addEventListener("submit", (event) =>
  authenticate(event, (f) => api.signIn(f.username_or_email, f.password)),
);
$("#register-form").addEventListener("submit", (event) =>
  authenticate(event, (f) => api.register(f.username, f.email, f.password)),
);
$("#sign-out").addEventListener("click", () => api.signOut());
$("#more").addEventListener("click", () => loadFeed());
api.onSignedOut = leave;

$("#upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const file = form.elements.file.files[0];
  const text = form.elements.text.value || file.name;
  const progress = $("#upload-progress");
  const status = $("#upload-status");
  form.querySelector("button").disabled = true;
  progress.hidden = false;
  progress.value = 0;
  status.textContent = "uploading…";
  try {
    const videoId = await uploadVideo(api, file, {
      title: text,
      onProgress: (percent) => {
        progress.value = percent;
        status.textContent = `uploading… ${percent}%`;
      },
    });
    status.textContent = "uploaded; posting…";
    const post = await api.request("POST", "/posts", { body: { text, video_id: videoId } });
    feed.show(post, { first: true });
    followPost(post);
    status.textContent = "posted";
    form.reset();
  } catch (error) {
    status.textContent = `upload failed: ${error.message}`;
  } finally {
    form.querySelector("button").disabled = false;
  }
});

if (api.signedIn) enter().catch(() => api.signOut());
