// The main journey through the generated TypeScript client (openapi-fetch typed by
// openapi-typescript). Compiled with the client's own tsconfig (strict), so a call that
// does not match the API's document fails the build; run by tests/clients/test_typescript_client.py:
//   node dist/journey.js BASE_URL CLIP_PATH
import { readFileSync } from "node:fs";
import { createSocialflowClient, type Schemas } from "./index.js";

const [baseUrl, clipPath] = process.argv.slice(2);
const password = "correct horse battery staple";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function signUp(username: string): Promise<Schemas["TokenPair"]> {
  const anonymous = createSocialflowClient(baseUrl);
  const created = await anonymous.POST("/api/v1/auth/register", {
    body: { username, email: `${username}@example.com`, password },
  });
  check(created.response.status === 201, `register: ${created.response.status}`);
  check(created.data?.username === username, "register: username");
  const login = await anonymous.POST("/api/v1/auth/login", {
    body: { username_or_email: username, password },
  });
  check(login.data, `login: ${login.response.status}`);
  return login.data;
}

// The compiler refuses calls the document does not allow (the build fails if it does not).
function typeChecks(client: ReturnType<typeof createSocialflowClient>): void {
  // @ts-expect-error: login takes username_or_email, not username
  void client.POST("/api/v1/auth/login", { body: { username: "a", password: "b" } });
  // @ts-expect-error: no such path
  void client.GET("/api/v1/no-such-thing");
  // @ts-expect-error: a post's text is a string
  void client.POST("/api/v1/posts", { body: { text: 42 } });
  // @ts-expect-error: following takes the username in the path
  void client.POST("/api/v1/users/{username}/follow", {});
}

async function waitForReady(
  client: ReturnType<typeof createSocialflowClient>,
  videoId: string,
): Promise<Schemas["VideoPublic"]> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const { data } = await client.GET("/api/v1/videos/{video_id}", {
      params: { path: { video_id: videoId } },
    });
    check(data, "read video");
    check(data.status !== "failed", `video failed: ${data.failure_reason}`);
    if (data.status === "ready") return data;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`video ${videoId} not ready in time`);
}

async function main(): Promise<void> {
  const alicePair = await signUp("alice");
  const bobPair = await signUp("bob");

  const refreshed = await createSocialflowClient(baseUrl).POST("/api/v1/auth/refresh", {
    body: { refresh_token: alicePair.refresh_token },
  });
  check(refreshed.data, `refresh: ${refreshed.response.status}`);
  check(refreshed.data.refresh_token !== alicePair.refresh_token, "refresh rotates");
  const alice = createSocialflowClient(baseUrl, refreshed.data.access_token);
  const bob = createSocialflowClient(baseUrl, bobPair.access_token);
  typeChecks(alice);

  const followed = await bob.POST("/api/v1/users/{username}/follow", {
    params: { path: { username: "alice" } },
  });
  check(followed.data?.state === "following", `follow: ${followed.response.status}`);

  // tus creation-with-upload: one request, the whole (small) file.
  const clip = readFileSync(clipPath);
  const created = await fetch(`${baseUrl}/api/v1/uploads/`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${refreshed.data.access_token}`,
      "Tus-Resumable": "1.0.0",
      "Upload-Length": String(clip.length),
      "Upload-Metadata": `filename ${Buffer.from("clip.mp4").toString("base64")}`,
      "Content-Type": "application/offset+octet-stream",
    },
    body: clip,
  });
  check(created.status === 201, `tus create: ${created.status} ${await created.text()}`);
  check(created.headers.get("Upload-Offset") === String(clip.length), "tus: whole body stored");
  const videoId = created.headers.get("Video-Id");
  check(videoId, "tus: Video-Id header");
  const video = await waitForReady(alice, videoId);

  const post = await alice.POST("/api/v1/posts", {
    body: { text: "First ride #mtb", video_id: videoId },
  });
  check(post.response.status === 201 && post.data, `post: ${post.response.status}`);
  check(post.data.entities.hashtags[0] === "mtb", "post: hashtags");

  const feed = await bob.GET("/api/v1/feed/home", { params: { query: { limit: 10 } } });
  check(feed.data, `feed: ${feed.response.status}`);
  check(feed.data.items.length === 1 && feed.data.items[0].id === post.data.id, "feed: the post");
  check(feed.data.items[0].video?.id === videoId, "feed: the post's video");

  check(video.master_url, "master_url");
  const query = new URL(video.master_url).searchParams;
  const playlist = await bob.GET("/api/v1/videos/{video_id}/master.m3u8", {
    params: {
      path: { video_id: videoId },
      query: { expires: Number(query.get("expires")), sig: query.get("sig") },
    },
    parseAs: "text",
  });
  check(playlist.response.status === 200, `playlist: ${playlist.response.status}`);
  const text = String(playlist.data);
  check(text.startsWith("#EXTM3U") && text.includes("#EXT-X-STREAM-INF"), "playlist body");

  const problem = await createSocialflowClient(baseUrl).POST("/api/v1/auth/login", {
    body: { username_or_email: "nobody", password: "wrong" },
  });
  check(problem.response.status === 401, `bad login: ${problem.response.status}`);
  console.log("journey ok");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
