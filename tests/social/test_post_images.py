"""Images on posts: upload (sniffed, bounded, stripped, re-encoded), attach (own only,
at most ``post_max_images``, never with a video), show everywhere a post is shown
(one query per page), visibility, edits, deletion and the sweep of unattached images."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from sqlalchemy import event
from sqlmodel import select

from socialflow.core.db.base import utcnow
from socialflow.social import images as image_service
from socialflow.social.models import MediaImage
from tests.social.conftest import Actor, follow, make_post
from tests.video.conftest import TUS, create_upload

Api = Callable[..., httpx.Response]
IMAGE_FIELDS = {"id", "url", "width", "height", "thumbnail_url", "alt", "content_type"}


# ------------------------------------------------------------------ images


def jpeg_with_gps(size: tuple[int, int] = (800, 600), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (300, 200), mode: str = "RGB", **kw: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128)).save(
        out, format=fmt, **kw
    )
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("P", (120, 80), color) for color in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


# ----------------------------------------------------------------- helpers


def upload(
    api: Api,
    who: Actor | None,
    data: bytes,
    *,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    alt: str | None = None,
) -> httpx.Response:
    fields = {"alt": alt} if alt is not None else None
    return api(
        "POST", "/media/images", who, files={"file": (name, data, content_type)}, data=fields
    )


def uploaded(api: Api, who: Actor, data: bytes | None = None, **kw: Any) -> dict[str, Any]:
    response = upload(api, who, data if data is not None else encoded("PNG"), **kw)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_post(api: Api, who: Actor, text: str, **body: Any) -> httpx.Response:
    return api("POST", "/posts", who, json={"text": text, **body})


def fetch(client: httpx.Client, url: str) -> httpx.Response:
    """GET a signed media URL from the live server (its host is ``public_url``)."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:socialflow:problem:{slug}"


def stored(platform: Any, image_id: str) -> MediaImage:
    with platform.session() as session:
        image = session.get(MediaImage, image_id)
        assert image is not None
        session.expunge(image)
        return image


@pytest.fixture
def image_queries(platform: Any) -> Iterator[list[str]]:
    """SQL statements that read the images table, as the server runs them."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM media_images" in statement:
            seen.append(statement)

    event.listen(platform.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(platform.engine, "before_cursor_execute", listen)


# ------------------------------------------------------------------ upload


def test_jpeg_is_stripped_of_exif_rotated_and_given_a_thumbnail(
    api: Api, actor: Callable[..., Actor], client: httpx.Client, platform: Any
) -> None:
    ana = actor("ana")
    # Orientation 6: the camera was turned; the stored image is upright (portrait).
    response = upload(api, ana, jpeg_with_gps((800, 600), orientation=6), alt="  A blue wall ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= IMAGE_FIELDS
    assert (body["width"], body["height"]) == (600, 800)
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (300, 400)
    assert body["content_type"] == "image/jpeg"
    assert body["alt"] == "A blue wall"

    row = stored(platform, body["id"])
    assert row.owner_id == ana.id
    assert row.post_id is None
    original = platform.storage.get(row.storage_key)
    assert b"SpyCam" not in original
    assert b"secret comment" not in original
    with Image.open(io.BytesIO(original)) as image:
        assert image.format == "JPEG"
        assert image.size == (600, 800)
        assert not image.getexif()
        assert "exif" not in image.info
        assert "comment" not in image.info

    # The signed URLs serve the bytes (and the thumbnail) with a safe type.
    served = fetch(client, body["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == original
    thumb = fetch(client, body["thumbnail_url"])
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "WEBP"
        assert image.size == (300, 400)

    # The owner can read it back; nobody else learns it exists.
    assert api("GET", f"/media/images/{body['id']}", ana).json()["id"] == body["id"]
    assert_problem(api("GET", f"/media/images/{body['id']}", actor("bob")), 404, "image-not-found")
    assert api("POST", "/media/images", None, files={"file": ("a", b"x")}).status_code == 401


@pytest.mark.parametrize(
    ("data", "stored_type", "size"),
    [
        (encoded("PNG", (320, 200), mode="RGBA"), "image/png", (320, 200)),
        (encoded("WEBP", (320, 200)), "image/webp", (320, 200)),
        (animated_gif(), "image/png", (120, 80)),
        (encoded("PNG", (5000, 100)), "image/png", (4096, 82)),
    ],
    ids=["png-alpha", "webp", "gif-animated", "png-wide"],
)
def test_png_webp_gif_are_accepted_and_re_encoded(
    api: Api,
    actor: Callable[..., Actor],
    platform: Any,
    data: bytes,
    stored_type: str,
    size: tuple[int, int],
) -> None:
    body = uploaded(api, actor("pia"), data, name="upload.bin", content_type="image/png")
    assert body["content_type"] == stored_type
    assert (body["width"], body["height"]) == size
    row = stored(platform, body["id"])
    with Image.open(io.BytesIO(platform.storage.get(row.storage_key))) as image:
        assert image.size == size
        assert getattr(image, "n_frames", 1) == 1  # a GIF keeps its first frame
    assert max(body["thumbnail_width"], body["thumbnail_height"]) <= 400


def test_type_comes_from_the_content_not_the_name_or_header(
    api: Api, actor: Callable[..., Actor]
) -> None:
    cy = actor("cyd")
    # A PNG sent as "photo.jpg" / image/jpeg is a PNG.
    body = uploaded(api, cy, encoded("PNG"), name="photo.jpg", content_type="image/jpeg")
    assert body["content_type"] == "image/png"
    # Images of other types, and non-images, are 415 whatever they claim to be.
    for data in (encoded("BMP"), encoded("TIFF"), b"<svg xmlns='http://www.w3.org/2000/svg'/>"):
        refused = upload(api, cy, data, name="photo.png", content_type="image/png")
        assert_problem(refused, 415, "unsupported-image-type")
    # Looks like a GIF, is not one: 422 on the file field.
    broken = upload(api, cy, b"GIF89a not really", name="a.gif", content_type="image/gif")
    assert_problem(broken, 422, "invalid-image")
    assert broken.json()["errors"][0]["field"] == "file"
    # Not multipart at all; multipart without a file part.
    as_json = api("POST", "/media/images", cy, json={"file": "aGVsbG8="})
    assert_problem(as_json, 415, "unsupported-media-type")
    no_file = api("POST", "/media/images", cy, files={"alt": (None, "only alt")})
    assert_problem(no_file, 422, "file-required")
    two_files = api(
        "POST",
        "/media/images",
        cy,
        files=[("file", ("a.png", encoded("PNG"))), ("file", ("b.png", encoded("PNG")))],
    )
    assert_problem(two_files, 400, "invalid-multipart")
    too_long_alt = upload(api, cy, encoded("PNG"), alt="x" * 1501)
    assert_problem(too_long_alt, 422, "validation-error")
    assert too_long_alt.json()["errors"][0]["field"] == "alt"
    assert upload(api, cy, encoded("PNG"), alt="x" * 1500).status_code == 201


@pytest.mark.parametrize("socialflow_overrides", [{"image_max_bytes": 4096}])
def test_too_large_is_413_even_without_content_length(
    api: Api, actor: Callable[..., Actor], client: httpx.Client, platform: Any
) -> None:
    dee = actor("dee")
    noisy = Image.frombytes("RGB", (120, 120), random.Random(7).randbytes(120 * 120 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    big = out.getvalue()
    assert len(big) > 4096
    assert_problem(upload(api, dee, big, name="a.png"), 413, "image-too-large")

    # A chunked body (no Content-Length) is cut off as it streams.
    boundary = "sfboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(40):
            yield b"\x00" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    chunked = client.post(
        "/api/v1/media/images",
        headers={**dee.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert_problem(chunked, 413, "image-too-large")
    with platform.session() as session:
        assert session.exec(select(MediaImage)).all() == []


@pytest.mark.parametrize("socialflow_overrides", [{"image_max_pixels": 10_000}])
def test_decompression_bombs_are_refused_before_decoding(
    api: Api, actor: Callable[..., Actor]
) -> None:
    eve = actor("eve")
    # A 1 KiB file claiming 10^10 pixels, and a real image over the setting.
    assert_problem(upload(api, eve, png_bomb(), name="b.png"), 422, "image-too-many-pixels")
    too_many = upload(api, eve, encoded("PNG", (200, 100)), name="c.png")
    assert_problem(too_many, 422, "image-too-many-pixels")
    assert upload(api, eve, encoded("PNG", (100, 100)), name="d.png").status_code == 201


# ------------------------------------------------------------------ attach


def test_images_show_wherever_the_post_is_shown_in_one_query_per_page(
    api: Api, actor: Callable[..., Actor], image_queries: list[str]
) -> None:
    fay, fan = actor("fay"), actor("fan")
    follow(api, fan, fay)
    first = uploaded(api, fay, encoded("PNG"), alt="first")
    second = uploaded(api, fay, jpeg_with_gps())
    created = new_post(api, fay, "two pics", image_ids=[second["id"], first["id"]])
    assert created.status_code == 201, created.text
    post = created.json()
    assert [i["id"] for i in post["images"]] == [second["id"], first["id"]]
    assert post["images"][1]["alt"] == "first"
    assert set(post["images"][0]) >= IMAGE_FIELDS
    assert post["video"] is None
    plain = make_post(api, fay, "no pics")
    assert plain["images"] == []
    for n in range(3):
        extra = uploaded(api, fay)
        assert new_post(api, fay, f"more {n}", image_ids=[extra["id"]]).status_code == 201

    read = api("GET", f"/posts/{post['id']}", None).json()
    assert [i["id"] for i in read["images"]] == [second["id"], first["id"]]
    api("POST", f"/posts/{post['id']}/bookmark", fan)
    for path, who in [
        ("/feed/home", fan),
        ("/feed/explore", None),
        (f"/users/{fay.name}/posts", None),
        ("/bookmarks", fan),
    ]:
        image_queries.clear()
        response = api("GET", path, who)
        assert response.status_code == 200, response.text
        by_id = {item["id"]: item for item in response.json()["items"]}
        assert [i["id"] for i in by_id[post["id"]]["images"]] == [second["id"], first["id"]]
        if plain["id"] in by_id:
            assert by_id[plain["id"]]["images"] == []
        # One query per page at most: feeds share hydrated posts, so a page whose
        # posts another feed just hydrated needs none.
        assert len(image_queries) <= 1, (path, image_queries)


def test_only_own_unattached_images_and_at_most_four(api: Api, actor: Callable[..., Actor]) -> None:
    gus, hal = actor("gus"), actor("hal")
    theirs = uploaded(api, hal)
    mine = [uploaded(api, gus) for _ in range(5)]
    before = api("GET", f"/users/{gus.name}/posts", gus).json()["items"]

    # Someone else's image: 404, as for an id that does not exist; nothing written.
    stolen = new_post(api, gus, "not mine", image_ids=[mine[0]["id"], theirs["id"]])
    assert_problem(stolen, 404, "image-not-found")
    assert_problem(new_post(api, gus, "ghost", image_ids=["0" * 32]), 404, "image-not-found")
    assert api("GET", f"/users/{gus.name}/posts", gus).json()["items"] == before
    assert api("GET", f"/media/images/{mine[0]['id']}", gus).status_code == 200

    too_many = new_post(api, gus, "five", image_ids=[m["id"] for m in mine])
    assert_problem(too_many, 422, "too-many-images")
    twice = new_post(api, gus, "dup", image_ids=[mine[0]["id"], mine[0]["id"]])
    assert_problem(twice, 422, "duplicate-image")

    ok = new_post(api, gus, "four", image_ids=[m["id"] for m in mine[:4]])
    assert ok.status_code == 201, ok.text
    # An image already in a post cannot go into another one.
    again = new_post(api, gus, "again", image_ids=[mine[0]["id"]])
    assert_problem(again, 404, "image-not-found")
    # Nor into someone else's post by PATCH (their post is not editable by us anyway).
    hal_post = make_post(api, hal, "hal's")
    patched = api("PATCH", f"/posts/{hal_post['id']}", gus, json={"image_ids": [mine[4]["id"]]})
    assert patched.status_code == 404
    own_patch = api("PATCH", f"/posts/{hal_post['id']}", hal, json={"image_ids": [mine[4]["id"]]})
    assert_problem(own_patch, 404, "image-not-found")


def test_a_post_carries_a_video_or_images_not_both(
    api: Api, actor: Callable[..., Actor], client: httpx.Client
) -> None:
    ivy = actor("ivy")
    created = create_upload(client, {**ivy.headers, **TUS}, 1000)
    assert created.status_code == 201, created.text
    video_id = created.headers["Video-Id"]
    image = uploaded(api, ivy)
    both = new_post(api, ivy, "both", video_id=video_id, image_ids=[image["id"]])
    assert_problem(both, 422, "mixed-media")
    with_video = new_post(api, ivy, "clip", video_id=video_id)
    assert with_video.status_code == 201
    added = api(
        "PATCH", f"/posts/{with_video.json()['id']}", ivy, json={"image_ids": [image["id"]]}
    )
    assert_problem(added, 422, "mixed-media")
    # The image is still free for a post of its own.
    assert new_post(api, ivy, "pic", image_ids=[image["id"]]).status_code == 201


def test_followers_only_images_are_not_shown_to_strangers(
    api: Api, actor: Callable[..., Actor], client: httpx.Client
) -> None:
    jo, fan, stranger = actor("joe"), actor("fanofjoe"), actor("stranger")
    follow(api, fan, jo)
    image = uploaded(api, jo)
    post = new_post(api, jo, "friends only", visibility="followers", image_ids=[image["id"]])
    assert post.status_code == 201
    post_id = post.json()["id"]

    seen = api("GET", f"/posts/{post_id}", fan).json()
    assert [i["id"] for i in seen["images"]] == [image["id"]]
    assert fetch(client, seen["images"][0]["url"]).status_code == 200
    for who in (stranger, None):
        assert api("GET", f"/posts/{post_id}", who).status_code == 404
        profile = api("GET", f"/users/{jo.name}/posts", who).json()["items"]
        explore = api("GET", "/feed/explore", who).json()["items"]
        assert post_id not in [p["id"] for p in profile + explore]
        listed = str(profile + explore)
        assert image["id"] not in listed
    assert api("GET", f"/media/images/{image['id']}", stranger).status_code == 404
    # A tampered signature serves nothing.
    forged = seen["images"][0]["url"].replace("sig=", "sig=0")
    assert fetch(client, forged).status_code == 404


def test_edit_replaces_images_and_the_sweep_removes_dropped_ones(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    kim = actor("kim")
    a, b, c = (uploaded(api, kim) for _ in range(3))
    post = new_post(api, kim, "edit me", image_ids=[a["id"], b["id"]]).json()

    edited = api("PATCH", f"/posts/{post['id']}", kim, json={"image_ids": [c["id"], a["id"]]})
    assert edited.status_code == 200, edited.text
    assert [i["id"] for i in edited.json()["images"]] == [c["id"], a["id"]]
    assert edited.json()["edited_at"] is not None
    assert edited.json()["text"] == "edit me"
    # Text-only edits keep the images; b is free again (and can be reused).
    text_only = api("PATCH", f"/posts/{post['id']}", kim, json={"text": "edited"})
    assert [i["id"] for i in text_only.json()["images"]] == [c["id"], a["id"]]
    assert stored(platform, b["id"]).post_id is None

    # The sweep deletes unattached images past their time, rows and objects.
    dropped = stored(platform, b["id"])
    with platform.session() as session:
        assert (
            image_service.sweep_unattached(
                session=session, storage=platform.storage, settings=platform.settings
            )
            == 0
        )
    later = utcnow() + timedelta(seconds=platform.settings.image_unattached_seconds + 60)
    with platform.session() as session:
        swept = image_service.sweep_unattached(
            session=session, storage=platform.storage, settings=platform.settings, now=later
        )
    assert swept == 1
    assert not platform.storage.exists(dropped.storage_key)
    assert not platform.storage.exists(dropped.thumbnail_key)
    assert api("GET", f"/media/images/{b['id']}", kim).status_code == 404
    assert platform.storage.exists(stored(platform, a["id"]).storage_key)

    # [] removes them all.
    cleared = api("PATCH", f"/posts/{post['id']}", kim, json={"image_ids": []})
    assert cleared.json()["images"] == []
    assert stored(platform, c["id"]).post_id is None


def test_deleting_posts_and_images(
    api: Api, actor: Callable[..., Actor], client: httpx.Client, platform: Any
) -> None:
    lu = actor("lux")
    kept, loose = uploaded(api, lu), uploaded(api, lu)
    post = new_post(api, lu, "bye", image_ids=[kept["id"]]).json()
    assert_problem(api("DELETE", f"/media/images/{kept['id']}", lu), 409, "image-attached")
    assert api("DELETE", f"/media/images/{loose['id']}", actor("moe")).status_code == 404

    loose_row = stored(platform, loose["id"])
    assert api("DELETE", f"/media/images/{loose['id']}", lu).status_code == 204
    assert not platform.storage.exists(loose_row.storage_key)
    assert fetch(client, loose["url"]).status_code == 404

    # A soft-deleted post no longer shows its images anywhere; they stay for
    # moderation (not swept, not reusable).
    assert api("DELETE", f"/posts/{post['id']}", lu).status_code == 204
    assert api("GET", f"/posts/{post['id']}", lu).status_code == 404
    assert kept["id"] not in str(api("GET", f"/users/{lu.name}/posts", lu).json())
    assert_problem(new_post(api, lu, "reuse", image_ids=[kept["id"]]), 404, "image-not-found")
    later = utcnow() + timedelta(days=30)
    with platform.session() as session:
        image_service.sweep_unattached(
            session=session, storage=platform.storage, settings=platform.settings, now=later
        )
    assert platform.storage.exists(stored(platform, kept["id"]).storage_key)


def test_the_data_export_lists_own_images_only(api: Api, actor: Callable[..., Actor]) -> None:
    nia, other = actor("nia"), actor("other")
    mine = uploaded(api, nia, alt="mine")
    post = new_post(api, nia, "with pic", image_ids=[mine["id"]]).json()
    uploaded(api, other)
    exported = api("GET", "/users/me/export", nia).json()["images"]
    assert [(i["id"], i["post_id"], i["alt"]) for i in exported] == [
        (mine["id"], post["id"], "mine")
    ]
