"""The baseline: a bare FastAPI JSON endpoint, no middleware, no database."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"status": "ok"}
