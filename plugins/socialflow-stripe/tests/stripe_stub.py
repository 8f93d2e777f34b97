"""A local HTTP server speaking the part of the Stripe API the provider uses.

No stripe-mock can run here, so the tests run this instead, over real HTTP
on 127.0.0.1, with the real ``stripe`` library pointed at it
(``StripeClient(key, base_addresses={"api": url})``). It keeps objects in
memory and behaves as Stripe does where socialflow relies on it:

- requests are form-encoded with Stripe's bracket notation, answered as
  Stripe objects (``"object": "payment_intent"``...) and lists;
- the ``Idempotency-Key`` header: a repeated key answers the first response
  again (and moves nothing), as does a retry of a call whose answer was lost;
- every change of an object records an event (``payment_intent.succeeded``,
  ``customer.subscription.updated``...) with the object as it was then;
  ``GET /v1/events`` lists them newest first, ``created[gte]`` filtered;
- ``expand[]=latest_charge.balance_transaction`` embeds the charge and its
  balance transaction with Stripe's fee (2.9% + 30 minor units);
- a declined customer's PaymentIntent answers 402 ``card_error`` with the
  refused intent in the error, as Stripe does.

Tests steer it: ``intent_mode = "processing"`` (intents wait for
:meth:`settle_intent`), ``declining``, ``delay_next(path, seconds)`` (the
answer comes late: the client times out, the work is done), and the
``update_subscription`` / ``open_dispute`` / ``close_dispute`` helpers that
change objects as Stripe would and record their events. :meth:`signed` makes
a webhook delivery signed with ``stripe.WebhookSignature``'s scheme.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

PERIOD = 30 * 24 * 3600
DISPUTE_FEE = 1500  # Stripe's fee on a dispute (USD 15), given back when it is won
BRACKETS = re.compile(r"\[([^\]]*)\]")


def decode_form(body: str) -> dict[str, Any]:
    """``a[b][0][c]=1`` -> ``{"a": {"b": [{"c": "1"}]}}`` (Stripe's form encoding)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head = key.split("[", 1)[0]
        path = [head, *BRACKETS.findall(key)]
        node: Any = root
        for part, after in zip(path, [*path[1:], None], strict=True):
            if after is None:
                if isinstance(node, list):
                    node.append(value)
                else:
                    node[part] = value
                break
            container: Any = [] if after.isdigit() or after == "" else {}
            if isinstance(node, list):
                index = int(part) if part.isdigit() else len(node)
                while len(node) <= index:
                    node.append(copy.copy(container))
                node = node[index]
            else:
                node = node.setdefault(part, container)
    return root


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


class StripeError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def _missing(kind: str, ident: str) -> StripeError:
    return StripeError(
        404,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {kind}: '{ident}'",
            }
        },
    )


class StripeStub:
    """The server's state; the handler calls :meth:`handle`."""

    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret
        self.url = ""
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, Any]] = {}
            self.events: list[dict[str, Any]] = []
            self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
            self.requests: list[tuple[str, str, str | None]] = []
            self.delays: dict[str, list[float]] = {}
            self.declining: set[str] = set()
            self.intent_mode = "succeeded"
            self.clock = time.time

    # ---------------------------------------------------------- helpers

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    def _now(self) -> int:
        return int(self.clock())

    def emit(self, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": self._new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": self._now(),
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": copy.deepcopy(obj)},
        }
        self.events.append(event)
        return event

    def get(self, ident: str, kind: str) -> dict[str, Any]:
        found = self.objects.get(ident)
        if found is None or found["object"] != kind:
            raise _missing(kind, ident)
        return found

    def delay_next(self, path_prefix: str, seconds: float) -> None:
        """The next request to ``path_prefix`` is done, but answered ``seconds`` late."""
        with self.lock:
            self.delays.setdefault(path_prefix, []).append(seconds)

    def signed(
        self, event: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A delivery of ``event`` as Stripe sends it: body and ``Stripe-Signature``."""
        payload = json.dumps(event, separators=(",", ":"))
        header = stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )
        return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}

    # ---------------------------------------------------------- objects

    def _customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": self._new_id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            # The card a Checkout session in setup mode saved.
            "invoice_settings": {"default_payment_method": self._new_id("pm")},
        }
        self.objects[customer["id"]] = customer
        self.emit("customer.created", customer)
        return customer

    def _fee(self, amount: int) -> int:
        return (amount * 29 + 500) // 1000 + 30

    def _intent(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = int(params["amount"])
        customer = params.get("customer")
        intent = {
            "id": self._new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "currency": params["currency"],
            "customer": customer,
            "metadata": params.get("metadata", {}),
            "livemode": False,
            "status": "requires_confirmation",
            "latest_charge": None,
        }
        self.objects[intent["id"]] = intent
        self.emit("payment_intent.created", intent)
        if customer in self.declining:
            intent["status"] = "requires_payment_method"
            self.emit("payment_intent.payment_failed", intent)
            raise StripeError(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "message": "Your card was declined.",
                        "payment_intent": copy.deepcopy(intent),
                    }
                },
            )
        if self.intent_mode == "processing":
            intent["status"] = "processing"
            self.emit("payment_intent.processing", intent)
        else:
            self._succeed(intent)
        return intent

    def _succeed(self, intent: dict[str, Any]) -> None:
        txn = {
            "id": self._new_id("txn"),
            "object": "balance_transaction",
            "amount": intent["amount"],
            "currency": intent["currency"],
            "fee": self._fee(intent["amount"]),
        }
        txn["net"] = txn["amount"] - txn["fee"]
        charge = {
            "id": self._new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "balance_transaction": txn["id"],
            "status": "succeeded",
        }
        self.objects[txn["id"]] = txn
        self.objects[charge["id"]] = charge
        intent["status"] = "succeeded"
        intent["latest_charge"] = charge["id"]
        self.emit("charge.succeeded", charge)
        self.emit("payment_intent.succeeded", intent)

    def settle_intent(self, intent_id: str, *, succeeded: bool) -> None:
        with self.lock:
            intent = self.get(intent_id, "payment_intent")
            if intent["status"] != "processing":  # Stripe settles an intent once
                raise ValueError(f"{intent_id} is {intent['status']}, not processing")
            if succeeded:
                self._succeed(intent)
            else:
                intent["status"] = "requires_payment_method"
                self.emit("payment_intent.payment_failed", intent)

    def _expanded_intent(self, intent: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        shown = copy.deepcopy(intent)
        if "latest_charge.balance_transaction" in expand and intent["latest_charge"]:
            charge = copy.deepcopy(self.objects[intent["latest_charge"]])
            charge["balance_transaction"] = copy.deepcopy(
                self.objects[charge["balance_transaction"]]
            )
            shown["latest_charge"] = charge
        return shown

    def _refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.get(params["payment_intent"], "payment_intent")
        if intent["status"] != "succeeded":
            raise StripeError(
                400, {"error": {"type": "invalid_request_error", "message": "not charged"}}
            )
        done = sum(
            o["amount"]
            for o in self.objects.values()
            if o["object"] == "refund"
            and o["payment_intent"] == intent["id"]
            and o["status"] != "failed"
        )
        amount = int(params.get("amount", intent["amount"] - done))
        if not 0 < amount <= intent["amount"] - done:
            raise StripeError(
                400, {"error": {"type": "invalid_request_error", "message": "amount too large"}}
            )
        refund = {
            "id": self._new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
        }
        self.objects[refund["id"]] = refund
        self.emit("refund.created", refund)
        return refund

    def _transfer(self, params: dict[str, Any]) -> dict[str, Any]:
        transfer = {
            "id": self._new_id("tr"),
            "object": "transfer",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "destination": params["destination"],
            "metadata": params.get("metadata", {}),
            "reversed": False,
            "livemode": False,
        }
        self.objects[transfer["id"]] = transfer
        self.emit("transfer.created", transfer)
        return transfer

    def transfers(self) -> list[dict[str, Any]]:
        with self.lock:
            return [o for o in self.objects.values() if o["object"] == "transfer"]

    def _account(self, params: dict[str, Any]) -> dict[str, Any]:
        account = {
            "id": self._new_id("acct"),
            "object": "account",
            "type": params.get("type", "express"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "charges_enabled": False,
            "payouts_enabled": False,
        }
        self.objects[account["id"]] = account
        return account

    def _price(self, params: dict[str, Any]) -> dict[str, Any]:
        price = {
            "id": self._new_id("price"),
            "object": "price",
            "unit_amount": int(params["unit_amount"]),
            "currency": params["currency"],
            "recurring": {"interval": params["recurring"]["interval"]},
            "lookup_key": params.get("lookup_key"),
            "active": True,
            "metadata": params.get("metadata", {}),
        }
        self.objects[price["id"]] = price
        return price

    def _invoice(self, sub: dict[str, Any], amount: int, reason: str) -> bool:
        """Invoice ``amount`` and pay it at once with the customer's card: ``invoice.paid``
        (its PaymentIntent succeeded, with Stripe's fee) or ``invoice.payment_failed``."""
        customer = sub["customer"]
        currency = sub["items"]["data"][0]["price"]["currency"]
        intent = {
            "id": self._new_id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "currency": currency,
            "customer": customer,
            "metadata": {},
            "livemode": False,
            "status": "requires_confirmation",
            "latest_charge": None,
        }
        self.objects[intent["id"]] = intent
        invoice = {
            "id": self._new_id("in"),
            "object": "invoice",
            "subscription": sub["id"],
            "customer": customer,
            "amount_due": amount,
            "amount_paid": 0,
            "currency": currency,
            "billing_reason": reason,
            "status": "open",
            "payment_intent": intent["id"],
        }
        self.objects[invoice["id"]] = invoice
        self.emit("invoice.created", invoice)
        if customer in self.declining:
            intent["status"] = "requires_payment_method"
            self.emit("payment_intent.payment_failed", intent)
            self.emit("invoice.payment_failed", invoice)
            return False
        self._succeed(intent)
        invoice["status"], invoice["amount_paid"] = "paid", amount
        self.emit("invoice.paid", invoice)
        return True

    def invoices(self) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.values() if o["object"] == "invoice"]

    def renew(self, sub_id: str) -> dict[str, Any]:
        """The period ends: Stripe invoices the next one (``past_due`` when it fails)."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            item = sub["items"]["data"][0]
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] = item["current_period_start"] + PERIOD
            paid = self._invoice(sub, item["price"]["unit_amount"], "subscription_cycle")
            return self.update_subscription(sub_id, status="active" if paid else "past_due")

    def _proration(self, sub: dict[str, Any], price_id: str) -> None:
        """An upgrade invoices the difference for the rest of the period at once."""
        item = sub["items"]["data"][0]
        new = self.get(price_id, "price")["unit_amount"]
        start, end = item["current_period_start"], item["current_period_end"]
        left = max(0, end - self._now()) / max(1, end - start)
        owed = round((new - item["price"]["unit_amount"]) * left)
        if owed > 0 and sub["status"] == "active":
            item["price"] = copy.deepcopy(self.get(price_id, "price"))
            if not self._invoice(sub, owed, "subscription_update"):
                sub["status"] = "past_due"

    def _subscription(self, params: dict[str, Any]) -> dict[str, Any]:
        price = self.get(params["items"][0]["price"], "price")
        now = self._now()
        trial = int(params.get("trial_period_days", 0))
        status = "trialing" if trial else "active"
        end = now + (trial * 86400 if trial else PERIOD)
        sub = {
            "id": self._new_id("sub"),
            "object": "subscription",
            "customer": params["customer"],
            "status": status,
            "cancel_at_period_end": False,
            "metadata": params.get("metadata", {}),
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": self._new_id("si"),
                        "object": "subscription_item",
                        "price": copy.deepcopy(price),
                        "current_period_start": now,
                        "current_period_end": end,
                    }
                ],
            },
        }
        self.objects[sub["id"]] = sub
        if not trial and not self._invoice(sub, price["unit_amount"], "subscription_create"):
            sub["status"] = "incomplete"
        self.emit("customer.subscription.created", sub)
        return sub

    def update_subscription(self, sub_id: str, **changes: Any) -> dict[str, Any]:
        """Change a subscription as Stripe would (status, cancel_at_period_end, price)."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            price = changes.pop("price", None)
            if price is not None:
                sub["items"]["data"][0]["price"] = copy.deepcopy(self.get(price, "price"))
            sub.update(changes)
            kind = "deleted" if sub["status"] == "canceled" else "updated"
            self.emit(f"customer.subscription.{kind}", sub)
            return copy.deepcopy(sub)

    def open_dispute(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        with self.lock:
            intent = self.get(intent_id, "payment_intent")
            dispute = {
                "id": self._new_id("dp"),
                "object": "dispute",
                "amount": amount or intent["amount"],
                "currency": intent["currency"],
                "payment_intent": intent_id,
                "charge": intent["latest_charge"],
                "status": "needs_response",
                "balance_transactions": [],
            }
            self._dispute_transaction(dispute, -dispute["amount"], DISPUTE_FEE)
            self.objects[dispute["id"]] = dispute
            self.emit("charge.dispute.created", dispute)
            return copy.deepcopy(dispute)

    def close_dispute(self, dispute_id: str, *, won: bool, return_fee: bool = True) -> None:
        with self.lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = "won" if won else "lost"
            if won and return_fee:  # the amount and Stripe's fee come back
                self._dispute_transaction(dispute, dispute["amount"], -DISPUTE_FEE)
            self.emit("charge.dispute.closed", dispute)

    def _dispute_transaction(self, dispute: dict[str, Any], amount: int, fee: int) -> None:
        """A balance transaction of the dispute, embedded in it as Stripe does."""
        txn = {
            "id": self._new_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "currency": dispute["currency"],
            "fee": fee,
            "net": amount - fee,
            "type": "adjustment",
        }
        self.objects[txn["id"]] = txn
        dispute["balance_transactions"].append(txn)

    # ---------------------------------------------------------- routing

    def _list(self, url: str, items: list[dict[str, Any]], query: dict[str, Any]) -> dict[str, Any]:
        limit = int(query.get("limit", 10))
        after = query.get("starting_after")
        if after:
            ids = [o["id"] for o in items]
            items = items[ids.index(after) + 1 :] if after in ids else []
        page = items[:limit]
        return {"object": "list", "url": url, "data": page, "has_more": len(items) > limit}

    def _events(self, query: dict[str, Any]) -> dict[str, Any]:
        created = query.get("created", {})
        gte = int(created.get("gte", 0)) if isinstance(created, dict) else 0
        found = [e for e in reversed(self.events) if e["created"] >= gte]
        return self._list("/v1/events", found, query)

    def route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        expand = params.get("expand", [])
        if method == "POST" and parts == ["customers"]:
            return self._customer(params)
        if method == "GET" and parts[:1] == ["customers"] and len(parts) == 2:
            return self.get(parts[1], "customer")
        if method == "POST" and parts == ["payment_intents"]:
            return self._expanded_intent(self._intent(params), expand)
        if method == "GET" and parts[:1] == ["payment_intents"] and len(parts) == 2:
            return self._expanded_intent(self.get(parts[1], "payment_intent"), expand)
        if method == "POST" and parts == ["refunds"]:
            return self._refund(params)
        if method == "GET" and parts[:1] == ["refunds"] and len(parts) == 2:
            return self.get(parts[1], "refund")
        if method == "GET" and parts[:1] == ["invoices"] and len(parts) == 2:
            return self.get(parts[1], "invoice")
        if method == "GET" and parts[:1] == ["disputes"] and len(parts) == 2:
            return self.get(parts[1], "dispute")
        if method == "POST" and parts == ["transfers"]:
            return self._transfer(params)
        if method == "POST" and parts == ["accounts"]:
            return self._account(params)
        if method == "POST" and parts == ["account_links"]:
            self.get(params["account"], "account")
            return {
                "object": "account_link",
                "url": f"https://connect.stripe.test/setup/e/{params['account']}",
                "expires_at": self._now() + 300,
            }
        if method == "POST" and parts == ["prices"]:
            return self._price(params)
        if method == "GET" and parts == ["prices"]:
            keys = params.get("lookup_keys", [])
            found = [
                o
                for o in self.objects.values()
                if o["object"] == "price" and o["lookup_key"] in keys and o["active"]
            ]
            return self._list("/v1/prices", found, params)
        if method == "POST" and parts == ["subscriptions"]:
            return self._subscription(params)
        if parts[:1] == ["subscriptions"] and len(parts) in (2, 3):
            sub = self.get(parts[1], "subscription")
            if method == "GET":
                return sub
            if method == "DELETE" or parts[2:] == ["cancel"]:
                if sub["status"] == "canceled":
                    return sub
                return self.update_subscription(sub["id"], status="canceled")
            changes: dict[str, Any] = {}
            if "cancel_at_period_end" in params:
                changes["cancel_at_period_end"] = _bool(params["cancel_at_period_end"])
            if "items" in params:
                changes["price"] = params["items"][0]["price"]
                if params.get("proration_behavior") == "always_invoice":
                    self._proration(sub, changes["price"])
            return self.update_subscription(sub["id"], **changes)
        if method == "POST" and parts == ["checkout", "sessions"]:
            session = {
                "id": self._new_id("cs"),
                "object": "checkout.session",
                "mode": params["mode"],
                "customer": params.get("customer"),
                "url": "https://checkout.stripe.test/c/pay/session",
            }
            session["url"] = f"https://checkout.stripe.test/c/pay/{session['id']}"
            self.objects[session["id"]] = session
            return session
        if method == "GET" and parts == ["events"]:
            return self._events(params)
        raise StripeError(
            404, {"error": {"type": "invalid_request_error", "message": f"no route {path}"}}
        )

    def handle(
        self, method: str, path: str, body: str, key: str | None
    ) -> tuple[int, dict[str, Any], float]:
        query = urlsplit(path).query
        route = urlsplit(path).path
        params = decode_form(body if method == "POST" else query)
        with self.lock:
            self.requests.append((method, route, key))
            delays = next((v for p, v in self.delays.items() if route.startswith(p) and v), None)
            delay = delays.pop(0) if delays else 0.0
            cache_key = f"{method} {route} {key}"
            if method == "POST" and key and cache_key in self.idempotent:
                status, answer = self.idempotent[cache_key]
                return status, answer, delay
            try:
                status, answer = 200, copy.deepcopy(self.route(method, route, params))
            except StripeError as exc:
                status, answer = exc.status, exc.body
            if method == "POST" and key and status != 404:
                self.idempotent[cache_key] = (status, answer)
            return status, answer, delay


class _Handler(BaseHTTPRequestHandler):
    stub: StripeStub
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY each answer waits for
    # the client's delayed ACK (40 ms), as Stripe's own servers do not make it wait.
    disable_nagle_algorithm = True

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
            status, answer, delay = 401, {"error": {"type": "invalid_request_error"}}, 0.0
        else:
            status, answer, delay = self.stub.handle(
                method, self.path, body, self.headers.get("Idempotency-Key")
            )
        if delay:
            time.sleep(delay)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        # The client may have timed out (that was the point of a delay).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running_stub(webhook_secret: str) -> Iterator[StripeStub]:
    stub = StripeStub(webhook_secret)
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="stripe-stub", daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
