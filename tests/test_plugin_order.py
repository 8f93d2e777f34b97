"""Hooks are called the way pluggy defines, filters and providers included:
``tryfirst`` first, then the last registered plugin first, ``trylast`` last, and
wrappers (``wrapper=True``, old-style ``hookwrapper=True``) around the call; what
cannot be honoured is refused at load, naming the plugin."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from socialflow.core.settings import load_settings
from socialflow.plugins.manager import PluginError, SocialflowPluginManager, get_plugin_manager
from socialflow.plugins.specs import ContentRejected, Event

FILTERS = {
    "socialflow_filter_post": "post",
    "socialflow_filter_comment": "comment",
    "socialflow_filter_profile": "profile",
}


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.fixture
def load(tmp_path: Path, plugin_dir: Path) -> Any:
    """``load({"name": source, ...})``: a manager with only these plugin modules, registered
    in the order given (no entry points, so built-ins do not interfere)."""
    made: list[str] = []

    def loader(modules: dict[str, str]) -> SocialflowPluginManager:
        suffix = f"_{len(made)}_{tmp_path.name}".replace("-", "_")
        names = []
        for name, source in modules.items():
            module = f"{name}{suffix}"
            (plugin_dir / f"{module}.py").write_text(textwrap.dedent(source))
            names.append(module)
        made.extend(names)
        # Only these modules provide: the recommendations app's A/B ranker stays out.
        settings = load_settings(
            tmp_path, plugins=[], plugin_modules=names, disabled_apps=["recommendations"]
        )
        return get_plugin_manager(settings)

    yield loader
    for module in made:
        sys.modules.pop(module, None)


def filter_impl(hook: str, mark: str, tag: str) -> str:
    argument = FILTERS[hook]
    return f"""
        from socialflow import hookimpl

        @hookimpl{mark}
        def {hook}({argument}):
            return {{**{argument}, "trail": [*{argument}["trail"], "{tag}"]}}
        """


@pytest.mark.parametrize("hook", sorted(FILTERS))
def test_filters_chain_in_pluggys_order_tryfirst_first_trylast_last(hook: str, load: Any) -> None:
    # Registered in this order; the marks, then last-registered-first, decide the calls.
    manager = load(
        {
            "late": filter_impl(hook, "(trylast=True)", "late"),
            "plain_a": filter_impl(hook, "", "a"),
            "early": filter_impl(hook, "(tryfirst=True)", "early"),
            "plain_b": filter_impl(hook, "", "b"),
        }
    )
    result = manager.apply_filters(hook, {"trail": []})
    assert result["trail"] == ["early", "b", "a", "late"]


def test_filter_implementations_may_take_no_argument_as_pluggy_allows(load: Any) -> None:
    manager = load(
        {
            "watcher": """
            from socialflow import hookimpl
            calls = []

            @hookimpl
            def socialflow_filter_post():
                calls.append("called")
            """
        }
    )
    assert manager.apply_filters("socialflow_filter_post", {"text": "x"}) == {"text": "x"}
    (module,) = (m for m in sys.modules if m.startswith("watcher_"))
    assert sys.modules[module].calls == ["called"]


WRAPPERS = {
    "new-style": """
        from socialflow import hookimpl
        seen = []

        @hookimpl(wrapper=True)
        def socialflow_filter_post(post):
            seen.append(("before", post["text"]))
            try:
                result = yield
            except Exception as exc:
                seen.append(("vetoed", str(exc)))
                raise
            seen.append(("after", result["text"]))
            return {**result, "text": result["text"] + " [wrapped]"}
        """,
    "old-style": """
        from socialflow import hookimpl
        seen = []

        @hookimpl(hookwrapper=True)
        def socialflow_filter_post(post):
            seen.append(("before", post["text"]))
            outcome = yield
            if outcome.exception is not None:
                seen.append(("vetoed", str(outcome.exception)))
                return
            result = outcome.get_result()
            seen.append(("after", result["text"]))
            outcome.force_result({**result, "text": result["text"] + " [wrapped]"})
        """,
}

SHOUT_AND_VETO = """
    from socialflow import hookimpl
    from socialflow.plugins import ContentRejected

    @hookimpl
    def socialflow_filter_post(post):
        if "spam" in post["text"]:
            raise ContentRejected("no spam")
        return {**post, "text": post["text"].upper()}
    """


@pytest.mark.parametrize("style", sorted(WRAPPERS))
def test_a_filter_wrapper_runs_around_the_whole_chain(style: str, load: Any) -> None:
    # The wrapper is registered first: wrappers still run around the plain ones.
    manager = load({"wrapping": WRAPPERS[style], "shout": SHOUT_AND_VETO})
    result = manager.apply_filters("socialflow_filter_post", {"text": "hi"})
    assert result["text"] == "HI [wrapped]"
    with pytest.raises(ContentRejected, match="no spam"):
        manager.apply_filters("socialflow_filter_post", {"text": "spam"})
    (module,) = (m for m in sys.modules if m.startswith("wrapping_"))
    assert sys.modules[module].seen == [
        ("before", "hi"),
        ("after", "HI"),
        ("before", "spam"),
        ("vetoed", "no spam"),
    ]


def provider_impl(hook: str, mark: str, names: list[str]) -> str:
    entries = ", ".join(f'"{name}": lambda settings: "{name}"' for name in names)
    return f"""
        from socialflow import hookimpl

        @hookimpl{mark}
        def {hook}():
            return {{{entries}}}
        """


def test_provider_hooks_are_called_in_pluggys_order(load: Any) -> None:
    hook = "socialflow_rankers"
    manager = load(
        {
            "late": provider_impl(hook, "(trylast=True)", ["late"]),
            "plain_a": provider_impl(hook, "", ["a1", "a2"]),
            "early": provider_impl(hook, "(tryfirst=True)", ["early"]),
            "plain_b": provider_impl(hook, "", ["b"]),
        }
    )
    factories = manager.provider_factories("ranker")
    assert list(factories) == ["early", "b", "a1", "a2", "late"]
    owners = {name: plugin.split("_")[0] for name, (plugin, _) in factories.items()}
    assert owners == {"early": "early", "b": "plain", "a1": "plain", "a2": "plain", "late": "late"}
    assert factories["a2"][0].startswith("plain_a")
    assert manager.provider("ranker", "b") == "b"


@pytest.mark.parametrize(
    "wrapper",
    [
        """
        from socialflow import hookimpl

        @hookimpl(wrapper=True)
        def socialflow_rankers():
            results = yield
            kept = [{k: v for k, v in r.items() if k != "hidden"} for r in results]
            return [*kept, {"added": lambda settings: "added"}]
        """,
        """
        from socialflow import hookimpl

        @hookimpl(hookwrapper=True)
        def socialflow_rankers():
            outcome = yield
            kept = [{k: v for k, v in r.items() if k != "hidden"} for r in outcome.get_result()]
            outcome.force_result([*kept, {"added": lambda settings: "added"}])
        """,
    ],
    ids=["new-style", "old-style"],
)
def test_a_provider_hook_wrapper_runs_and_may_change_the_providers(wrapper: str, load: Any) -> None:
    manager = load(
        {
            "wrapping": wrapper,
            "rankers": provider_impl("socialflow_rankers", "", ["shown", "hidden"]),
        }
    )
    factories = manager.provider_factories("ranker")
    assert list(factories) == ["shown", "added"]
    assert factories["shown"][0].startswith("rankers_")
    assert factories["added"][0].startswith("a wrapper in wrapping_")
    assert manager.provider("ranker", "added") == "added"


def test_events_reach_handlers_in_pluggys_order_inside_their_wrappers(
    load: Any, plugin_dir: Path
) -> None:
    handler = """
        from socialflow import hookimpl
        import events_log

        @hookimpl{mark}
        def socialflow_on_event(event):
            events_log.calls.append("{tag}")
            {extra}
        """
    (plugin_dir / "events_log.py").write_text("calls = []\n")
    sys.modules.pop("events_log", None)
    manager = load(
        {
            "wrapping": """
            from socialflow import hookimpl
            import events_log

            @hookimpl(wrapper=True)
            def socialflow_on_event(event):
                events_log.calls.append("wrapper before " + event.name)
                result = yield
                events_log.calls.append("wrapper after")
                return result
            """,
            "late": handler.format(mark="(trylast=True)", tag="late", extra=""),
            "failing": handler.format(mark="", tag="failing", extra="raise RuntimeError('x')"),
            "early": handler.format(mark="(tryfirst=True)", tag="early", extra=""),
            "plain": handler.format(mark="", tag="plain", extra=""),
        }
    )
    manager.emit(Event("post_created", {"post_id": 1}))
    assert sys.modules["events_log"].calls == [
        "wrapper before post_created",
        "early",
        "plain",
        "failing",
        "late",
        "wrapper after",
    ]
    sys.modules.pop("events_log", None)


def test_a_plugin_both_implementing_and_wrapping_a_filter_is_refused_at_load(
    load: Any,
) -> None:
    manager = load(
        {
            "both": """
            from socialflow import hookimpl

            @hookimpl
            def socialflow_filter_post(post):
                return post

            @hookimpl(wrapper=True, specname="socialflow_filter_post")
            def wrap_posts(post):
                return (yield)
            """,
            "fine": SHOUT_AND_VETO,
        }
    )
    (name,) = (n for n in manager.failed if n.startswith("both_"))
    assert name in manager.failed[name]
    assert "both implements and wraps `socialflow_filter_post`" in manager.failed[name]
    assert manager.get_plugin(name) is None
    assert manager.apply_filters("socialflow_filter_post", {"text": "ok"}) == {"text": "OK"}


def test_a_filter_wrapper_answering_none_fails_loudly_instead_of_skipping_the_filters(
    load: Any,
) -> None:
    manager = load(
        {
            "forgetful": """
            from socialflow import hookimpl

            @hookimpl(wrapper=True)
            def socialflow_filter_post(post):
                yield  # forgot to return the result
            """,
            "shout": SHOUT_AND_VETO,
        }
    )
    with pytest.raises(
        PluginError, match=r"a wrapper in forgetful_\w+ of `socialflow_filter_post`"
    ):
        manager.apply_filters("socialflow_filter_post", {"text": "hi"})
