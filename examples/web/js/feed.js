// Post cards: text, a video (its status until it is ready, then the player),
// the like button and its counter. Everything users wrote goes in as text, never HTML.
import { play } from "./player.js";

const POLL_MS = 1000;

export class Feed {
  constructor(api, list, template) {
    this.api = api;
    this.list = list;
    this.template = template;
    this.cards = new Map(); // post id -> card element
    this.stoppers = [];
  }

  clear() {
    for (const stop of this.stoppers) stop();
    this.stoppers = [];
    this.cards.clear();
    this.list.replaceChildren();
  }

  /** Add `post` to the list (at the top with `first`); returns whether it is new. */
  show(post, { first = false } = {}) {
    if (this.cards.has(post.id)) return false;
    const card = this.template.content.firstElementChild.cloneNode(true);
    card.dataset.postId = post.id;
    card.querySelector(".author").textContent = post.author.display_name || post.author.username;
    card.querySelector(".handle").textContent = `@${post.author.username}`;
    const time = card.querySelector("time");
    time.dateTime = post.created_at;
    time.textContent = new Date(post.created_at).toLocaleString();
    card.querySelector(".text").textContent = post.text;
    this.setCounters(card, post.like_count, post.liked_by_me);
    card.querySelector(".like").addEventListener("click", () => this.toggleLike(card));
    if (post.video) this.showVideo(card, post.video);
    if (first) this.list.prepend(card);
    else this.list.append(card);
    this.cards.set(post.id, card);
    return true;
  }

  /** A `counters` frame of a post on screen. */
  counters(data) {
    const card = this.cards.get(data.post_id);
    if (card) this.setCounters(card, data.like_count);
  }

  setCounters(card, likeCount, likedByMe) {
    card.querySelector(".like-count").textContent = String(likeCount);
    if (likedByMe !== undefined) card.querySelector(".like").setAttribute("aria-pressed", String(likedByMe));
  }

  async toggleLike(card) {
    const button = card.querySelector(".like");
    const liked = button.getAttribute("aria-pressed") === "true";
    try {
      await this.api.request(liked ? "DELETE" : "POST", `/posts/${card.dataset.postId}/like`);
      const post = await this.api.request("GET", `/posts/${card.dataset.postId}`);
      this.setCounters(card, post.like_count, post.liked_by_me);
    } catch (error) {
      card.querySelector(".video-status").textContent = `like: ${error.message}`;
    }
  }

  showVideo(card, video) {
    const status = card.querySelector(".video-status");
    if (video.status === "ready" && video.master_url) {
      status.textContent = "";
      const element = document.createElement("video");
      if (video.thumbnail_url) element.poster = video.thumbnail_url;
      card.querySelector(".media").replaceChildren(element);
      this.stoppers.push(play(element, video.master_url));
      return;
    }
    if (video.status === "failed") {
      status.textContent = `video failed: ${video.failure_reason || "unknown reason"}`;
      return;
    }
    status.textContent = `video ${video.status} ${video.progress ?? 0}%`;
    const timer = setTimeout(async () => {
      try {
        this.showVideo(card, await this.api.request("GET", `/videos/${video.id}`));
      } catch (error) {
        status.textContent = `video: ${error.message}`;
      }
    }, POLL_MS);
    this.stoppers.push(() => clearTimeout(timer));
  }
}
