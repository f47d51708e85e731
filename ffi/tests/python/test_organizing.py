"""The organizing calls from Python, against the real library: what is due, turf, onboarding,
live benchmarks, the wall chart and structure tests, history and undo, and the platform calls
(logs, a new store key, wiping). Same conventions as test_groundwork.py.
"""

import gc
import queue
import time

import pytest

import groundwork_ffi as gw
from groundwork_ffi import GroundworkError
from test_groundwork import KEY_A, KEY_B, WAIT, conversation, now_ms, open_store, run

DAY = 24 * 3600 * 1000


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "store.db")


@pytest.fixture
def group(store):
    return store.create_group("Maple Court Tenants")


def supporter(group):
    return next(l.value for l in group.settings().scale.levels if l.label == "supporter")


def building(group):
    """A building with two floors; returns (floor 1 id, floor 2 id)."""
    tree = group.create_terrain(gw.NewTerrainTree(name="Maple Court", kind=gw.TreeKind.BUILDING()))
    f1, f2 = gw.new_id(), gw.new_id()
    group.update_terrain(
        tree.id,
        [
            gw.TerrainEdit.ADD_UNIT(id=f1, name="Floor 1", parent=None, level="floor"),
            gw.TerrainEdit.ADD_UNIT(id=f2, name="Floor 2", parent=None, level="floor"),
        ],
    )
    return f1, f2


class Lists(gw.BenchmarkListener, gw.TurfListener):
    def __init__(self):
        self.rows = queue.Queue()

    def on_benchmarks(self, benchmarks):
        self.rows.put(benchmarks)

    def on_turfs(self, turfs):
        self.rows.put(turfs)

    def next(self):
        return self.rows.get(timeout=WAIT)


# --- due follow-ups ----------------------------------------------------------------------------


def test_due_windows_the_reminder_counts_snooze_reassign_and_a_recurring_check_in(group):
    now = now_ms()
    at = gw.LocalTime(now_ms=now, utc_offset_minutes=0)
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    late = group.create_follow_up(
        gw.NewFollowUp(title="Call Ana back", assignee="rosa", due_ms=now - DAY, contact=ana.id)
    )
    group.create_follow_up(gw.NewFollowUp(title="Petition", assignee="rosa", due_ms=now + 3 * DAY))
    group.create_follow_up(gw.NewFollowUp(title="Not mine", assignee="sam", due_ms=now - DAY))
    summary = group.due_summary("rosa", at)
    assert (summary.overdue, summary.due_today) == (1, 0)
    assert [f.title for f in group.due_follow_ups("rosa", gw.Due.OVERDUE, at)] == ["Call Ana back"]
    assert [f.title for f in group.due_follow_ups("rosa", gw.Due.THIS_WEEK, at)] == ["Petition"]
    assert len(group.due_follow_ups(None, gw.Due.OVERDUE, at)) == 2

    snoozed = group.snooze_follow_up(late.id, now + 2 * DAY)
    assert snoozed.due_ms == now + 2 * DAY
    assert group.due_summary("rosa", at).overdue == 0
    assert group.reassign_follow_up(late.id, "sam").assignee == "sam"

    check_in = group.create_follow_up(
        gw.NewFollowUp(title="Check in with Ana", assignee="rosa", due_ms=now, repeat_every_days=14)
    )
    completion = group.complete_follow_up(check_in.id, note="She'll chair the floor meeting")
    assert completion.done.status == gw.FollowUpStatus.DONE()
    assert completion.next is not None and completion.next.title == "Check in with Ana"
    assert completion.next.due_ms >= now + 13 * DAY
    with pytest.raises(GroundworkError.InvalidInput):
        group.due_summary("rosa", gw.LocalTime(now_ms=now, utc_offset_minutes=100_000))


# --- turf ----------------------------------------------------------------------------------------


def test_cut_a_turf_walk_it_knock_and_return_it(store, group):
    f1, f2 = building(group)
    for name, unit in [("Ana Ruiz", f1), ("Bea Lund", f1), ("Cy Park", f2)]:
        group.create_contact(gw.NewContact(name=name, unit=unit))
    lists = Lists()
    handle = group.watch_turfs(lists)
    assert lists.next() == []
    selection = gw.RecordQuery(counts=gw.Counted.CONTACTS(), unit=f1)
    turf = group.cut_turf(
        gw.NewTurf(name="Floor 1", organizer="rosa", devices=[store.device_id()], selection=selection)
    )
    assert turf.size == 2 and turf.returned_at_ms is None
    stops = group.walk_list(turf.id)
    assert [s.name for s in stops] == ["Ana Ruiz", "Bea Lund"]
    assert all(s.status == gw.CanvassStatus.TO_KNOCK() for s in stops)
    group.record_knock(
        stops[0].contact, gw.NewKnock(outcome=gw.KnockOutcome.NOT_HOME(), organizer="rosa", at_ms=now_ms())
    )
    progress = group.turf_progress(turf.id)
    assert (progress.to_knock, progress.not_home) == (1, 1)
    # The watch heard the hand-out and the knock (maybe together): its latest list agrees.
    latest = lists.next()
    while latest[0].not_home != 1:
        latest = lists.next()
    assert latest[0].turf.id == turf.id
    handle.cancel()
    returned = group.return_turf(turf.id)
    assert returned.returned_at_ms is not None
    assert [t.turf.id for t in group.turfs()] == [turf.id]
    with pytest.raises(GroundworkError.InvalidInput):
        group.cut_turf(gw.NewTurf(name="x", organizer="rosa", devices=["not a device"], selection=selection))
    with pytest.raises(GroundworkError.NotFound):
        group.walk_list(gw.new_id())


# --- onboarding ----------------------------------------------------------------------------------


def test_start_a_new_member_on_a_template_and_follow_their_progress(group):
    group.update_settings(
        [gw.SettingsEdit.ADD_ONBOARDING_TEMPLATE(name="New member", tasks=["Read the bylaws", "Door-knock with a partner"])]
    )
    dee = group.create_contact(gw.NewContact(name="Dee Okafor"))
    tasks = group.start_onboarding(
        gw.OnboardingStart(contact=dee.id, template="new member", partner="rosa", first_due_ms=now_ms(), days_between=7)
    )
    assert [t.title for t in tasks] == ["Read the bylaws", "Door-knock with a partner"]
    group.complete_follow_up(tasks[0].id)
    [progress] = group.onboarding_progress(dee.id)
    assert (progress.name, progress.partner, progress.done, progress.total) == ("Dee Okafor", "rosa", 1, 2)
    assert progress.next.title == "Door-knock with a partner"
    with pytest.raises(GroundworkError.NotFound):
        group.start_onboarding(gw.OnboardingStart(contact=dee.id, template="no such", partner="rosa"))


# --- benchmarks, wall chart, structure test ------------------------------------------------------


def test_a_benchmark_moves_live_as_conversations_are_recorded(group):
    query = gw.RecordQuery(counts=gw.Counted.CONVERSATIONS())
    plan = group.create_plan(gw.NewPlan(title="Repairs campaign"))
    group.update_plan(
        plan.id,
        [gw.PlanEdit.ADD_BENCHMARK(description="Two one-on-ones", target=2, deadline_ms=None, query=query)],
    )
    lists = Lists()
    handle = group.watch_benchmarks(lists, plan.id)
    first = lists.next()
    assert [(b.count, b.met) for b in first] == [(0, False)]
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    group.record_conversation(ana.id, conversation())
    group.record_conversation(ana.id, conversation())
    latest = lists.next()
    while latest[0].count != 2:
        latest = lists.next()
    assert latest[0].met and latest[0].plan_title == "Repairs campaign"
    handle.cancel()
    assert group.benchmark_progress(None)[0].count == 2


def test_the_wall_chart_and_a_structure_test_name_who_to_talk_to(group):
    f1, f2 = building(group)
    s = supporter(group)
    for name, unit, assessed in [("Ana Ruiz", f1, True), ("Bea Lund", f1, True), ("Cy Park", f2, False)]:
        c = group.create_contact(gw.NewContact(name=name, unit=unit))
        if assessed:
            group.record_conversation(c.id, conversation(assessment=s))
    chart = group.wall_chart()
    rows = {r.name: r for r in chart.rows}
    assert rows["Floor 1"].counts.supporter_or_better == 2
    assert rows["Floor 2"].counts.unassessed == 1
    assert chart.total.contacts == 3
    assert sum(chart.total.by_assessment) == 2 and len(chart.total.by_assessment) == len(chart.scale)

    test = gw.StructureTest(
        threshold=gw.Threshold.ASSESSMENT(at_least=gw.AssessmentAtLeast.SUPPORTER_OR_BETTER(), percent=51)
    )
    result = group.structure_test(test)
    assert not result.passed
    units = {u.name: u for u in result.units}
    assert units["Floor 1"].passed and not units["Floor 2"].passed
    assert [m.name for m in units["Floor 2"].missing] == ["Cy Park"]


# --- history and undo ----------------------------------------------------------------------------


def test_history_shows_each_change_and_undo_refuses_over_a_later_edit_unless_forced(group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    group.update_contact(ana.id, [gw.ContactEdit.SET_NAME(name="Ana R.")])
    group.update_contact(ana.id, [gw.ContactEdit.SET_NAME(name="Ana Ruiz-Ortiz")])
    history = group.history(ana.id)
    assert history.total == 3
    newest, middle = history.entries[0], history.entries[1]
    assert [(f.field, f.before, f.after) for f in middle.fields] == [("name", "Ana Ruiz", "Ana R.")]
    assert middle.this_device
    with pytest.raises(GroundworkError.Conflict):
        group.undo_change(ana.id, middle.change)
    undone = group.undo_change(ana.id, newest.change)
    assert undone.fields == ["name"]
    assert group.contact(ana.id).name == "Ana R."
    forced = group.undo_change(ana.id, middle.change, force=True)
    assert forced.overridden == ["name"]
    # Two undos later: five changes, the middle one fourth from the newest.
    page = group.history(ana.id, limit=1, offset=3)
    assert (page.total, [e.change for e in page.entries]) == (5, [middle.change])
    with pytest.raises(GroundworkError.NotFound):
        group.history(gw.new_id())


# --- platform ------------------------------------------------------------------------------------


class Logs(gw.LogListener):
    def __init__(self):
        self.lines = queue.Queue()

    def on_log(self, level, target, message):
        self.lines.put((level, target, message))


def test_core_logs_reach_the_platform_listener_at_its_level(store, group):
    logs = Logs()
    gw.forward_logs(logs, gw.LogLevel.DEBUG)
    try:
        # A node that starts and stops logs from the core and iroh.
        node = run(store.start_node(gw.NodeOptions(bind="127.0.0.1:0")))
        run(node.shutdown())
        level, target, message = logs.lines.get(timeout=WAIT)
        assert level in (gw.LogLevel.ERROR, gw.LogLevel.WARN, gw.LogLevel.INFO, gw.LogLevel.DEBUG)
        assert target and message
    finally:
        gw.stop_forwarding_logs()


def test_a_new_key_opens_the_store_and_the_old_one_no_longer_does(tmp_path):
    path = tmp_path / "store.db"
    s = open_store(path, KEY_A)
    g = s.create_group("Maple Court Tenants")
    g.create_contact(gw.NewContact(name="Ana Ruiz"))
    run(s.change_key(KEY_B))
    with pytest.raises(GroundworkError.InvalidInput):
        run(s.change_key(bytes(5)))
    gid = g.id()
    del g, s
    gc.collect()  # the store's file lock goes with its last reference
    reopened = open_store(path, KEY_B)
    assert reopened.group(gid).count_contacts(gw.ContactQuery()) == 1
    del reopened
    gc.collect()
    with pytest.raises(GroundworkError.Storage):
        open_store(path, KEY_A)
    assert open_store(path, KEY_B).groups()[0].id == gid


def test_wiping_the_store_removes_its_files_and_frees_the_path(tmp_path):
    path = tmp_path / "store.db"
    s = open_store(path)
    g = s.create_group("Maple Court Tenants")
    g.create_contact(gw.NewContact(name="Ana Ruiz"))
    device = s.device_id()
    run(s.wipe())
    assert list(tmp_path.iterdir()) == []
    assert s.groups() == []
    with pytest.raises(GroundworkError.Storage):
        g.create_contact(gw.NewContact(name="Bea Lund"))
    fresh = open_store(path)
    assert fresh.groups() == [] and fresh.device_id() != device


class Meeting(gw.MeetingListener):
    def __init__(self):
        self.events = queue.Queue()

    def on_found(self, group_id, device_id):
        self.events.put(("found", group_id, device_id))

    def on_synced(self, report):
        self.events.put(("synced", report))

    def on_ended(self):
        self.events.put(("ended",))


def test_meeting_mode_starts_for_a_members_group_and_stops_when_cancelled(store, group):
    node = run(store.start_node(gw.NodeOptions(bind="127.0.0.1:0")))
    try:
        handle = run(node.start_meeting([group], 5, Meeting()))
        assert handle.is_active()
        handle.cancel()
        assert not handle.is_active()
        with pytest.raises(GroundworkError.InvalidInput):
            run(node.start_meeting([group], 0, Meeting()))
        with pytest.raises(GroundworkError.InvalidInput):
            run(node.start_meeting([], 5, Meeting()))
    finally:
        run(node.shutdown())


# --- import and export ---------------------------------------------------------------------------

ACTION_NETWORK_CSV = (
    "first_name,last_name,email,zip_code,can2_phone,can2_user_tags\n"
    "Ana,Ruiz,ana@example.org,11211,555-0100,floor-2\n"
    "Bea,Lund,bea@example.org,11211,555-0101,\n"
    "Ana,R.,ANA@example.org,11211,,committee\n"
).encode()

VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Park\r\nTEL;TYPE=CELL:555-0102\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Ruiz\r\nTEL:555-0100\r\nEND:VCARD\r\n"
).encode()


class Progress(gw.ImportProgress):
    def __init__(self):
        self.seen = []

    def on_progress(self, written, total):
        self.seen.append((written, total))


def test_a_csv_from_action_network_is_planned_then_applied_and_a_vcard_merges_by_phone(group):
    plan = run(group.plan_import(ACTION_NETWORK_CSV, gw.ImportFormat.CSV))
    preview = plan.preview()
    assert (preview.records, preview.creates, preview.merges) == (3, 2, 1)
    assert preview.tool == "Action Network"
    assert group.count_contacts(gw.ContactQuery()) == 0, "planning writes nothing"
    rows = plan.rows(0, 10)
    assert rows[2].action == gw.ImportAction.MERGE_INTO_ROW(into_line=2)
    progress = Progress()
    result = run(group.apply_import(plan, progress))
    assert len(result.created) == 2 and progress.seen[-1] == (2, 2)
    with pytest.raises(GroundworkError.Internal):
        run(group.apply_import(plan))
    ana = group.contact(result.created[0])
    assert ana.name == "Ana Ruiz" and set(ana.tags) == {"floor-2", "committee"}

    cards = run(group.plan_import(VCARDS, gw.ImportFormat.V_CARD))
    assert (cards.preview().creates, cards.preview().merges) == (1, 1)
    run(group.apply_import(cards))
    assert group.count_contacts(gw.ContactQuery()) == 3

    with pytest.raises(GroundworkError.InvalidInput):
        run(group.plan_import(b"\xff\xfe not a csv", gw.ImportFormat.CSV))
    with pytest.raises(GroundworkError.InvalidInput):
        run(group.plan_import(ACTION_NETWORK_CSV, gw.ImportFormat.CSV, [gw.ColumnOverride(column="email", field="no such field")]))


def test_every_export_kind_and_a_portable_move_to_a_new_group(store, group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz", phones=[gw.LabelledValue(label="mobile", value="555-0100")]))
    group.record_conversation(
        ana.id, conversation(), follow_up=gw.NewFollowUp(title="Bring the petition", assignee="rosa", due_ms=now_ms() + DAY)
    )
    contacts = run(group.export(gw.ExportKind.CONTACTS_CSV()))
    assert contacts.records == 1 and b"Ana Ruiz" in contacts.bytes and contacts.suggested_name == "contacts.csv"
    assert run(group.export(gw.ExportKind.CONVERSATIONS_CSV())).records == 1
    assert run(group.export(gw.ExportKind.FOLLOW_UPS_CSV())).records == 1
    assert b"BEGIN:VCARD" in run(group.export(gw.ExportKind.V_CARD())).bytes
    calendar = run(group.export(gw.ExportKind.I_CALENDAR(with_names=False)))
    assert b"BEGIN:VCALENDAR" in calendar.bytes and b"Ana Ruiz" not in calendar.bytes
    portable = run(group.export(gw.ExportKind.PORTABLE()))
    moved = store.create_group("Maple Court Tenants (moved)")
    assert run(moved.import_portable(portable.bytes)) == portable.records
    assert [c.name for c in moved.contacts(gw.ContactQuery())] == ["Ana Ruiz"]
    with pytest.raises(GroundworkError.InvalidInput):
        run(moved.import_portable(portable.bytes))  # no longer empty
    with pytest.raises(GroundworkError.InvalidInput):
        run(store.create_group("x").import_portable(b'{"not": "portable"}\n'))


def test_a_phone_removed_from_the_group_deletes_it_at_its_next_sync(tmp_path):
    a = open_store(tmp_path / "a.db", KEY_A)
    b = open_store(tmp_path / "b.db", KEY_B)
    group_a = a.create_group("Maple Court Tenants")
    group_a.create_contact(gw.NewContact(name="Ana Ruiz"))

    async def scenario():
        node_a = await a.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        node_b = await b.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            invite = node_a.create_invite(group_a, gw.InviteOptions(validity_secs=120))
            joined = await node_b.join(invite.ticket(), "Lost phone")
            group_b = b.group(joined.group_id)
            assert group_b.count_contacts(gw.ContactQuery()) == 1
            group_a.remove_device(b.device_id())
            addrs = [s for s in node_a.addresses() if s.startswith("127.0.0.1:")]
            with pytest.raises(GroundworkError.Permission):
                await node_b.sync_now(group_b, a.device_id(), addrs)
            assert b.groups() == []
            with pytest.raises(GroundworkError.NotFound):
                b.group(joined.group_id)
            assert group_a.count_contacts(gw.ContactQuery()) == 1
        finally:
            await node_a.shutdown()
            await node_b.shutdown()

    run(scenario())


def test_a_backup_restores_the_same_device_with_its_records(tmp_path):
    s = open_store(tmp_path / "store.db", KEY_A)
    g = s.create_group("Maple Court Tenants")
    g.create_contact(gw.NewContact(name="Ana Ruiz"))
    made = run(s.create_backup(str(tmp_path / "phone.gwbackup"), note=b"Rosa's phone"))
    assert (made.groups, made.device_id) == (1, s.device_id())
    with pytest.raises(GroundworkError.InvalidInput):
        run(gw.restore_store_backup(str(tmp_path / "phone.gwbackup"), str(tmp_path / "store.db"), KEY_A, False))
    restored = run(
        gw.restore_store_backup(str(tmp_path / "phone.gwbackup"), str(tmp_path / "new" / "store.db"), KEY_A, False)
    )
    assert restored.device_id == s.device_id()
    phone = open_store(tmp_path / "new" / "store.db", KEY_A)
    assert phone.device_id() == s.device_id()
    assert phone.group(g.id()).count_contacts(gw.ContactQuery()) == 1
    with pytest.raises(GroundworkError.InvalidInput):
        run(gw.restore_store_backup(str(tmp_path / "phone.gwbackup"), str(tmp_path / "other.db"), KEY_B, False))
    (tmp_path / "junk").write_bytes(b"not a backup at all")
    with pytest.raises(GroundworkError.InvalidInput):
        run(gw.restore_store_backup(str(tmp_path / "junk"), str(tmp_path / "x.db"), KEY_A, False))


class Sessions(gw.SyncListener):
    def __init__(self):
        self.reports = queue.Queue()

    def on_session(self, report):
        self.reports.put(report)


def test_a_paused_node_is_off_the_network_and_resumes_with_its_subscriptions(tmp_path):
    a = open_store(tmp_path / "a.db", KEY_A)
    b = open_store(tmp_path / "b.db", KEY_B)
    group_a = a.create_group("Maple Court Tenants")
    group_a.create_contact(gw.NewContact(name="Ana Ruiz"))

    def loopback(node):
        return [s for s in node.addresses() if s.startswith("127.0.0.1:")]

    async def scenario():
        node_a = await a.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        node_b = await b.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            invite = node_a.create_invite(group_a, gw.InviteOptions(validity_secs=120))
            joined = await node_b.join(invite.ticket(), "Rosa's phone")
            group_b = b.group(joined.group_id)
            sessions = Sessions()
            handle = node_a.subscribe_sync(sessions)
            old = loopback(node_a)

            await node_a.pause()
            await node_a.pause()  # twice is fine
            assert node_a.addresses() == []
            with pytest.raises(GroundworkError.Network):
                node_a.create_invite(group_a, gw.InviteOptions())
            started = time.monotonic()
            with pytest.raises(GroundworkError.Network):
                await node_b.sync_now(group_b, a.device_id(), old)
            assert time.monotonic() - started < 20, "an unreachable peer is given up on in 15 s"
            await node_a.network_change()  # a no-op while paused

            group_a.create_contact(gw.NewContact(name="Bea Lund"))
            await node_a.resume()
            await node_a.resume()  # running: nothing to do
            stats = await node_b.sync_now(group_b, a.device_id(), loopback(node_a))
            assert stats.docs_received >= 1
            assert group_b.count_contacts(gw.ContactQuery()) == 2
            # The subscription made before the pause hears the session after it.
            report = sessions.reports.get(timeout=WAIT)
            assert report.peer_device_id == b.device_id() and report.error is None
            handle.cancel()
        finally:
            await node_a.shutdown()
            await node_b.shutdown()

    run(scenario())
