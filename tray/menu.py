"""The tray menu: a model of what it shows, and pystray items built from callables over it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from tray.icons import IconState
from tray.status import Snapshot, describe, failing, run_progress

DaemonAction = Literal["stop", "start", "restart"]


@dataclass(frozen=True, slots=True)
class SyncItem:
    """One "Sync now" entry: a target (None: all of them, or the only one)."""

    text: str
    target: str | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class FolderItem:
    """A watched folder in the "Watched folders" submenu."""

    id: uuid.UUID
    text: str
    paused: bool


@dataclass(frozen=True, slots=True)
class MenuModel:
    """Exactly what the menu and icon show: the UI is updated only when this changes."""

    icon: IconState
    status: str
    # One entry is a plain "Sync now"; several make a submenu.
    sync: tuple[SyncItem, ...]
    folders: tuple[FolderItem, ...]
    daemon_ready: bool
    daemon_action: DaemonAction
    autostart: bool
    # False for a daemon the tray adopted: Quit leaves it running, and says so.
    owned: bool


def model(snapshot: Snapshot) -> MenuModel:
    """The menu for a snapshot."""
    status = describe(snapshot)
    activity = snapshot.activity
    ready = snapshot.phase == "running" and activity is not None
    action: DaemonAction = {"failed": "restart", "stopped": "start"}.get(  # type: ignore[assignment]
        snapshot.phase, "stop"
    )
    folders: tuple[FolderItem, ...] = ()
    if ready:
        assert activity is not None
        folders = tuple(
            FolderItem(folder.id, _folder_text(folder.path, folder.state), folder.paused)
            for folder in activity.watched_folders
        )
    return MenuModel(
        icon=status.icon,
        status=status.line,
        sync=_sync_items(snapshot),
        folders=folders,
        daemon_ready=ready,
        daemon_action=action,
        autostart=snapshot.autostart,
        owned=snapshot.owned or snapshot.phase != "running",
    )


def _sync_items(snapshot: Snapshot) -> tuple[SyncItem, ...]:
    activity = snapshot.activity
    if snapshot.phase != "running" or activity is None:
        return (SyncItem("Sync now (Hotprevue is not running)", None, False),)
    targets = activity.sync.targets
    if not targets:
        return (SyncItem("Sync now (no central server set up)", None, False),)
    progress = {run.target_id: run for run in snapshot.runs}
    items = []
    for target in targets:
        run = progress.get(target.id)
        if run is not None:
            done = run_progress(run)
            items.append(SyncItem(f"Syncing to {target.name}… {done}", str(target.id), False))
        elif failing(target):
            # A failed sync is retried from here whatever the notification offered.
            items.append(SyncItem(f"Retry sync to {target.name}", str(target.id), True))
        elif len(targets) == 1:
            items.append(SyncItem("Sync now", str(target.id), True))
        else:
            items.append(SyncItem(f"Sync to {target.name}", str(target.id), True))
    if len(targets) > 1:
        idle = any(item.enabled for item in items)
        items.append(SyncItem("Sync to all", None, idle))
    return tuple(items)


def _folder_text(path: str, state: str) -> str:
    return f"{path} — {state}"


@dataclass(frozen=True, slots=True)
class Actions:
    """What the menu's items do; each runs off the UI thread or returns at once."""

    sync: Callable[[str | None], None]
    register_folder: Callable[[], None]
    add_folder: Callable[[], None]
    pause_folder: Callable[[uuid.UUID, bool], None]
    rescan_folder: Callable[[uuid.UUID], None]
    remove_folder: Callable[[uuid.UUID], None]
    open_app: Callable[[], None]
    open_data_folder: Callable[[], None]
    open_log: Callable[[], None]
    toggle_autostart: Callable[[], None]
    start_daemon: Callable[[], None]
    stop_daemon: Callable[[], None]
    quit: Callable[[], None]


def build(pystray: ModuleType, current: Callable[[], MenuModel], act: Actions) -> Any:
    """The whole menu; every text and state is read from `current()` when it is drawn."""
    item, menu = pystray.MenuItem, pystray.Menu

    def sync_entries() -> Iterator[Any]:
        for entry in current().sync:
            yield item(entry.text, _call(act.sync, entry.target), enabled=entry.enabled)

    def sync_item() -> Any:
        return item(
            lambda _: _sync_title(current()),
            _call(act.sync, None),
            enabled=lambda _: len(current().sync) == 1 and current().sync[0].enabled,
            visible=lambda _: len(current().sync) == 1,
        )

    def folder_entries() -> Iterator[Any]:
        for folder in current().folders:
            yield item(folder.text, menu(*_folder_actions(item, folder, act)))
        yield menu.SEPARATOR
        yield item("Add folder…", _call(act.add_folder), enabled=lambda _: current().daemon_ready)

    ready = lambda _: current().daemon_ready  # noqa: E731 - a predicate per item
    return menu(
        item(lambda _: current().status, None, enabled=False),
        menu.SEPARATOR,
        sync_item(),
        item("Sync now", menu(sync_entries), visible=lambda _: len(current().sync) > 1),
        item("Register folder…", _call(act.register_folder), enabled=ready),
        item("Watched folders", menu(folder_entries), enabled=ready),
        menu.SEPARATOR,
        # The default item is what a left click on the icon does, where the platform
        # delivers that click (GTK's status icon and Windows do; AppIndicator does not).
        item("Open Hotprevue", _call(act.open_app), enabled=ready, default=True),
        item("Open data folder", _call(act.open_data_folder)),
        item("Open log", _call(act.open_log)),
        item(
            "Start at login",
            _call(act.toggle_autostart),
            checked=lambda _: current().autostart,
        ),
        menu.SEPARATOR,
        item(
            lambda _: _DAEMON_TEXT[current().daemon_action],
            lambda: (act.stop_daemon if current().daemon_action == "stop" else act.start_daemon)(),
        ),
        item(lambda _: quit_text(current()), _call(act.quit)),
    )


_DAEMON_TEXT: dict[DaemonAction, str] = {
    "stop": "Stop Hotprevue",
    "start": "Start Hotprevue",
    "restart": "Restart Hotprevue",
}


def quit_text(current: MenuModel) -> str:
    """Quit's text: what stays running after it, for a Hotprevue the tray did not start."""
    return "Quit" if current.owned else "Quit (Hotprevue keeps running)"


def _sync_title(current: MenuModel) -> str:
    return current.sync[0].text if current.sync else "Sync now"


def _folder_actions(item: Any, folder: FolderItem, act: Actions) -> list[Any]:
    return [
        item(
            "Resume" if folder.paused else "Pause",
            _call(act.pause_folder, folder.id, not folder.paused),
        ),
        item("Rescan now", _call(act.rescan_folder, folder.id)),
        item("Stop watching", _call(act.remove_folder, folder.id)),
    ]


def _call(action: Callable[..., None], *args: Any) -> Callable[[], None]:
    # pystray passes (icon, item) to a callable taking two arguments, nothing to one
    # taking none: the items' actions take their arguments from here instead.
    return lambda: action(*args)
