"""The Groundwork bindings from Python, against the real library: encrypted stores on disk,
real iroh endpoints on loopback. Run with ffi/scripts/test-python.

Every call goes through the generated bindings; a failing call raises, and the test fails.
Error checks match the error's kind (its class), never its message.
"""

import asyncio
import queue
import time

import pytest

import groundwork_ffi as gw
from groundwork_ffi import GroundworkError

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))
WAIT = 10  # seconds to wait for an event from another thread before failing


def run(coro):
    return asyncio.run(coro)


def open_store(path, key=KEY_A):
    return run(gw.GroundworkStore.open(str(path), key))


def now_ms():
    return int(time.time() * 1000)


class Collect(gw.RecordListener):
    """A record listener that queues what it gets (called from a Groundwork thread)."""

    def __init__(self):
        self.events = queue.Queue()

    def on_notification(self, notification):
        self.events.put(notification)

    def next_change(self, timeout=WAIT):
        while True:
            n = self.events.get(timeout=timeout)
            if isinstance(n, gw.Notification.CHANGED):
                return n.event


class CollectSessions(gw.SyncListener):
    def __init__(self):
        self.reports = queue.Queue()

    def on_session(self, report):
        self.reports.put(report)


class Rows(gw.ContactListListener, gw.FollowUpListListener):
    """A list listener for contact and follow-up rows."""

    def __init__(self):
        self.rows = queue.Queue()

    def on_contacts(self, contacts):
        self.rows.put(contacts)

    def on_follow_ups(self, follow_ups):
        self.rows.put(follow_ups)

    def next(self):
        return self.rows.get(timeout=WAIT)


def loopback(node):
    """The node's IPv4 loopback address(es), to dial it on this machine."""
    return [s for s in node.addresses() if s.startswith("127.0.0.1:")]


def conversation(**kw):
    steps = gw.ConversationSteps(
        door="Knocked about the rent letter",
        story="Rent up 20%, mould in the bathroom for a year",
        vision="If every floor signs, the landlord has to negotiate",
        obstacles="Worried about retaliation; we talked about the union's legal fund",
        ask="Will you sign and bring your neighbour to Thursday's meeting?",
        answer="Yes, and she'll talk to 2B",
    )
    args = dict(organizer="rosa", at_ms=now_ms(), channel=gw.Channel.DOOR(), steps=steps)
    args.update(kw)
    return gw.NewConversation(**args)


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "store.db")


@pytest.fixture
def group(store):
    return store.create_group("Maple Court Tenants")


# --- records ---------------------------------------------------------------------------------


def test_open_an_encrypted_store_and_add_a_contact(tmp_path):
    path = tmp_path / "phone" / "store.db"
    store = open_store(path)
    group = store.create_group("Maple Court Tenants")
    ana = group.create_contact(
        gw.NewContact(
            name="Ana Ruiz",
            phones=[gw.LabelledValue(label="mobile", value="0612 345 678")],
            tags=["floor-2"],
        )
    )
    assert ana.name == "Ana Ruiz"
    assert ana.phones[0].value == "0612 345 678"
    assert ana.tags == ["floor-2"]
    assert ana.meta.version
    assert [g.name for g in store.groups()] == ["Maple Court Tenants"]
    assert store.group(group.id()).contact(ana.id).name == "Ana Ruiz"
    assert len(store.fingerprint().split()) == 4
    # Encrypted at rest: the name is in none of the store's files (database, WAL).
    del group, store
    files = list(path.parent.iterdir())
    assert path in files
    for f in files:
        assert b"Ana Ruiz" not in f.read_bytes(), f


def test_search_contacts_with_query_options(group):
    for name, tag in [("Ana Ruiz", "floor-2"), ("Andre Moss", "floor-3"), ("Bea Lund", "floor-2")]:
        group.create_contact(gw.NewContact(name=name, tags=[tag]))
    names = [c.name for c in group.contacts(gw.ContactQuery(name_prefix="an"))]
    assert names == ["Ana Ruiz", "Andre Moss"]
    names = [c.name for c in group.contacts(gw.ContactQuery(tag="floor-2"))]
    assert names == ["Ana Ruiz", "Bea Lund"]
    assert group.count_contacts(gw.ContactQuery()) == 3
    assert len(group.contacts(gw.ContactQuery(limit=1, offset=1))) == 1


def test_record_a_conversation_with_the_five_steps_and_an_assessment(group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    scale = group.settings().scale
    supporter = next(l.value for l in scale.levels if l.label == "supporter")
    recorded = group.record_conversation(
        ana.id, conversation(assessment=supporter, next_steps="call Thursday")
    )
    ana = group.contact(ana.id)
    assert ana.assessment == supporter
    [c] = ana.conversations
    assert c.id == recorded.conversation_id
    assert c.steps.story.startswith("Rent up")
    assert c.steps.ask and c.steps.answer
    assert c.channel == gw.Channel.DOOR()
    assert ana.assessment_history[0].value == supporter
    rows = group.contacts(
        gw.ContactQuery(assessment=gw.AssessmentFilter.SUPPORTER_OR_BETTER())
    )
    assert [r.id for r in rows] == [ana.id]
    assert rows[0].assessment_label == "supporter"
    # A correction is a new revision.
    assert group.correct_conversation(ana.id, c.id, conversation(assessment=1)) == 2
    assert group.contact(ana.id).assessment == 1


def test_list_follow_ups_due_and_complete_one(group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    yesterday = now_ms() - 24 * 3600 * 1000
    next_week = now_ms() + 7 * 24 * 3600 * 1000
    recorded = group.record_conversation(
        ana.id,
        conversation(),
        follow_up=gw.NewFollowUp(title="Bring the petition", assignee="rosa", due_ms=yesterday),
    )
    group.create_follow_up(gw.NewFollowUp(title="Later", assignee="rosa", due_ms=next_week))
    due = group.follow_ups(gw.FollowUpQuery(due_before_ms=now_ms()))
    assert [f.title for f in due] == ["Bring the petition"]
    assert due[0].id == recorded.follow_up_id
    assert due[0].contact == ana.id
    assert group.follow_up(due[0].id).conversation == recorded.conversation_id
    assert group.count_follow_ups(gw.FollowUpQuery(assignee="rosa")) == 2
    done = group.complete_follow_up(due[0].id).done
    assert done.status == gw.FollowUpStatus.DONE()
    assert group.follow_ups(gw.FollowUpQuery(due_before_ms=now_ms())) == []


def test_a_stale_screen_after_a_local_edit_keeps_both(group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    seen = ana.meta.version
    group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="leader")])
    merged = group.update_contact(ana.id, [gw.ContactEdit.SET_NAME(name="Ana R.")], base=seen)
    assert merged.name == "Ana R." and "leader" in merged.tags


def test_plans_create_read_and_edit(group):
    plan = group.create_plan(gw.NewPlan(title="Repairs campaign", strategy="Start with floor 2"))
    assert group.plan(plan.id).title == "Repairs campaign"
    plan = group.update_plan(
        plan.id,
        [
            gw.PlanEdit.ADD_GOAL(horizon=gw.Horizon.SHORT(), text="Mould fixed by March"),
            gw.PlanEdit.ADD_TACTIC(description="Petition", owner="rosa", date_ms=None),
        ],
        base=plan.meta.version,
    )
    assert [g.text for g in plan.goals] == ["Mould fixed by March"]
    assert plan.tactics[0].description == "Petition"
    assert [p.title for p in group.plans()] == ["Repairs campaign"]


def test_terrain_units_and_a_contact_in_a_unit(group):
    tree = group.create_terrain(gw.NewTerrainTree(name="Maple Court", kind=gw.TreeKind.BUILDING()))
    floor, apartment = gw.new_id(), gw.new_id()
    tree = group.update_terrain(
        tree.id,
        [
            gw.TerrainEdit.ADD_UNIT(id=floor, name="Floor 2", parent=None, level="floor"),
            gw.TerrainEdit.ADD_UNIT(id=apartment, name="2B", parent=floor, level="apartment"),
        ],
        base=tree.meta.version,
    )
    assert {(u.name, u.parent) for u in tree.units} == {("Floor 2", None), ("2B", floor)}
    assert group.terrain(tree.id).kind == gw.TreeKind.BUILDING()
    assert {u.id for u in group.units()} == {floor, apartment}
    group.create_contact(gw.NewContact(name="Ana Ruiz", unit=apartment))
    group.create_contact(gw.NewContact(name="Bea Lund"))
    # A unit includes the units below it.
    assert [c.name for c in group.contacts(gw.ContactQuery(unit=floor))] == ["Ana Ruiz"]


def test_a_group_sets_its_own_assessment_scale(group):
    scale = gw.AssessmentScale(
        levels=[gw.ScaleLevel(value=v, label=str(v)) for v in range(1, 6)], supporter_or_better=[1, 2]
    )
    settings = group.update_settings([gw.SettingsEdit.SET_SCALE(scale=scale)])
    assert settings.scale == scale
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    group.record_conversation(ana.id, conversation(assessment=5))
    assert group.contact(ana.id).assessment == 5
    with pytest.raises(GroundworkError.InvalidInput):
        group.update_settings(
            [gw.SettingsEdit.SET_SCALE(scale=gw.AssessmentScale(levels=[], supporter_or_better=[]))]
        )


def test_erase_a_contact(group):
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    group.record_conversation(
        ana.id, conversation(), follow_up=gw.NewFollowUp(title="Call", assignee="rosa")
    )
    group.erase_contact(ana.id)
    assert group.is_erased(ana.id)
    with pytest.raises(GroundworkError.NotFound):
        group.contact(ana.id)
    assert group.follow_ups(gw.FollowUpQuery()) == []
    assert group.count_contacts(gw.ContactQuery()) == 0


# --- subscriptions ---------------------------------------------------------------------------


def test_a_subscription_delivers_events_until_cancelled(group):
    listener = Collect()
    handle = group.subscribe(gw.RecordFilter.KINDS(kinds=[gw.RecordKind.CONTACT]), listener)
    assert handle.is_active()
    ana = group.create_contact(gw.NewContact(name="Ana Ruiz"))
    event = listener.next_change()
    assert event.record_id == ana.id
    assert event.kind == gw.RecordKind.CONTACT
    assert event.origin == gw.Origin.LOCAL
    assert event.group_id == group.id()
    assert not event.erased
    # A follow-up is not a contact: filtered out.
    group.create_follow_up(gw.NewFollowUp(title="Call", assignee="rosa"))
    group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="x")])
    assert listener.next_change().record_id == ana.id
    handle.cancel()
    handle.cancel()  # twice is fine
    assert not handle.is_active()
    group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="y")])
    time.sleep(0.3)
    assert listener.events.empty()


def test_a_failing_listener_ends_only_its_subscription(group):
    class Failing(gw.RecordListener):
        def on_notification(self, notification):
            raise GroundworkError.Internal("the screen is gone")

    handle = group.subscribe(gw.RecordFilter.GROUP(), Failing())
    group.create_contact(gw.NewContact(name="Ana Ruiz"))
    deadline = time.time() + WAIT
    while handle.is_active() and time.time() < deadline:
        time.sleep(0.05)
    assert not handle.is_active()
    # The store is fine.
    group.create_contact(gw.NewContact(name="Bea Lund"))


def test_watch_a_contact_list_gets_the_rows_then_each_change(group):
    group.create_contact(gw.NewContact(name="Ana Ruiz", tags=["floor-2"]))
    rows = Rows()
    handle = group.watch_contacts(gw.ContactQuery(tag="floor-2"), rows)
    assert [c.name for c in rows.next()] == ["Ana Ruiz"]
    bea = group.create_contact(gw.NewContact(name="Bea Lund", tags=["floor-2"]))
    assert [c.name for c in rows.next()] == ["Ana Ruiz", "Bea Lund"]
    group.update_contact(bea.id, [gw.ContactEdit.REMOVE_TAG(tag="floor-2")])
    assert [c.name for c in rows.next()] == ["Ana Ruiz"]
    handle.cancel()
    assert not handle.is_active()


def test_watch_follow_ups_due(group):
    rows = Rows()
    handle = group.watch_follow_ups(gw.FollowUpQuery(due_before_ms=now_ms() + 3600 * 1000), rows)
    assert rows.next() == []
    call = group.create_follow_up(gw.NewFollowUp(title="Call Ana", assignee="rosa", due_ms=now_ms()))
    assert [f.title for f in rows.next()] == ["Call Ana"]
    group.complete_follow_up(call.id)
    assert rows.next() == []
    handle.cancel()


# --- every error kind ------------------------------------------------------------------------


def test_wrong_key_length_is_invalid_input(tmp_path):
    for key in [b"", bytes(31), bytes(33)]:
        with pytest.raises(GroundworkError.InvalidInput):
            open_store(tmp_path / "store.db", key)


def test_wrong_store_key_is_storage(tmp_path):
    path = tmp_path / "store.db"
    store = open_store(path, KEY_A)
    store.create_group("g")
    del store
    with pytest.raises(GroundworkError.Storage):
        open_store(path, KEY_B)
    # The file is untouched: the right key still opens it.
    assert [g.name for g in open_store(path, KEY_A).groups()] == ["g"]


def test_a_file_that_is_not_a_store_is_storage(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(GroundworkError.Storage):
        open_store(path)


def test_unknown_ids_are_not_found_and_malformed_ids_invalid(store, group):
    missing = "00" * 16
    for call in [group.contact, group.follow_up, group.plan, store.group]:
        with pytest.raises(GroundworkError.NotFound):
            call(missing)
        with pytest.raises(GroundworkError.InvalidInput):
            call("not-an-id")


def test_oversized_fields_are_invalid_input_not_a_crash(group):
    huge = "x" * 1_000_000
    with pytest.raises(GroundworkError.InvalidInput):
        group.create_contact(gw.NewContact(name=huge))
    with pytest.raises(GroundworkError.InvalidInput):
        group.create_contact(gw.NewContact(name="Ana", notes=huge))
    with pytest.raises(GroundworkError.InvalidInput):
        group.create_contact(gw.NewContact(name="Ana", tags=[f"t{i}" for i in range(10_000)]))
    ana = group.create_contact(gw.NewContact(name="Ana"))
    with pytest.raises(GroundworkError.InvalidInput):
        group.record_conversation(ana.id, conversation(steps=gw.ConversationSteps(story=huge)))
    with pytest.raises(GroundworkError.InvalidInput):
        group.update_contact(
            ana.id, [gw.ContactEdit.EDIT_NOTES(edit=gw.TextEdit.SPLICE(index=10, delete=0, insert="x"))]
        )
    with pytest.raises(GroundworkError.InvalidInput):
        group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="t")] * 1_001)
    with pytest.raises(GroundworkError.InvalidInput):
        group.record_conversation(ana.id, conversation(assessment=99))  # not on the scale
    with pytest.raises(GroundworkError.InvalidInput):
        group.create_follow_up(gw.NewFollowUp(title="t", assignee="a", due_ms=2**62))
    # Nothing half-written: the contact is as it was.
    assert group.contact(ana.id).conversations == []


def test_an_edit_based_on_an_unknown_version_is_conflict(group):
    ana = group.create_contact(gw.NewContact(name="Ana"))
    with pytest.raises(GroundworkError.Conflict):
        group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="t")], base="ab" * 32)
    with pytest.raises(GroundworkError.InvalidInput):
        group.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="t")], base="not a version")


def test_a_store_already_open_is_storage(tmp_path):
    path = tmp_path / "store.db"
    first = open_store(path)
    with pytest.raises(GroundworkError.Storage):
        open_store(path)
    del first


def test_an_invite_nobody_uses_is_network_and_waiting_twice_is_internal(store, group):
    async def scenario():
        node = await store.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            invite = node.create_invite(group, gw.InviteOptions(validity_secs=1))
            with pytest.raises(GroundworkError.Network):
                await invite.wait_joined()
            with pytest.raises(GroundworkError.Internal):
                await invite.wait_joined()
        finally:
            await node.shutdown()

    run(scenario())


def test_a_rust_panic_reaches_python_as_internal_error():
    # The Rust half (a panic becomes call status 2 with its message) is checked in
    # ffi/src/tests.rs through the C entry point; this is the Python half of the same path.
    status = gw._UniffiRustCallStatus(
        code=gw._UniffiRustCallStatus.CALL_UNEXPECTED_ERROR, error_buf=gw._UniffiRustBuffer.default()
    )
    with pytest.raises(gw.InternalError):
        gw._uniffi_check_call_status(gw._UniffiFfiConverterTypeGroundworkError, status)


def test_bad_node_options_are_invalid_input(store):
    with pytest.raises(GroundworkError.InvalidInput):
        run(store.start_node(gw.NodeOptions(bind="not an address")))


def test_a_node_uses_a_relay_only_when_its_group_sets_one(store, group):
    async def relays():
        node = await store.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            return node.relays()
        finally:
            await node.shutdown()

    assert group.settings().relay is None
    assert run(relays()) == []
    with pytest.raises(GroundworkError.InvalidInput):
        group.update_settings([gw.SettingsEdit.SET_RELAY(url="relay.example.org")])
    settings = group.update_settings([gw.SettingsEdit.SET_RELAY(url="http://127.0.0.1:3340")])
    assert settings.relay == "http://127.0.0.1:3340/"
    assert run(relays()) == ["http://127.0.0.1:3340/"]
    assert group.update_settings([gw.SettingsEdit.SET_RELAY(url=None)]).relay is None
    assert run(relays()) == []


# --- two devices -----------------------------------------------------------------------------


def test_a_phone_joining_a_group_that_runs_a_relay_starts_using_it(tmp_path):
    # The relay's address has nothing listening: the devices meet directly on loopback, and the
    # joining phone's node, started with no relay, is restarted with the one its ticket names.
    relay = "http://127.0.0.1:9/"
    a = open_store(tmp_path / "a.db", KEY_A)
    b = open_store(tmp_path / "b.db", KEY_B)
    group_a = a.create_group("Maple Court Tenants")
    group_a.update_settings([gw.SettingsEdit.SET_RELAY(url=relay)])

    async def scenario():
        node_a = await a.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        node_b = await b.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            assert node_a.relays() == [relay]
            assert node_b.relays() == []
            invite = node_a.create_invite(group_a, gw.InviteOptions(validity_secs=120))
            joined_on_a = asyncio.ensure_future(invite.wait_joined())
            joined = await node_b.join(invite.ticket(), "Rosa's phone")
            await asyncio.wait_for(joined_on_a, WAIT)
            assert node_b.relays() == [relay]
            assert b.group(joined.group_id).settings().relay == relay
        finally:
            await node_a.shutdown()
            await node_b.shutdown()

    run(scenario())


def test_two_stores_sync_over_loopback_through_an_invite(tmp_path):
    a = open_store(tmp_path / "a.db", KEY_A)
    b = open_store(tmp_path / "b.db", KEY_B)
    group_a = a.create_group("Maple Court Tenants")
    ana = group_a.create_contact(gw.NewContact(name="Ana Ruiz"))
    group_a.record_conversation(ana.id, conversation(assessment=2))

    async def scenario():
        node_a = await a.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        node_b = await b.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            await two_devices(node_a, node_b)
        finally:
            await node_a.shutdown()
            await node_b.shutdown()

    async def two_devices(node_a, node_b):
        # Bound to 127.0.0.1 (iroh also binds an IPv6 socket, [::]:port, beside it).
        assert [s for s in node_a.addresses() if not s.startswith("[")] == loopback(node_a)
        assert len(loopback(node_a)) == 1
        sessions_a = CollectSessions()
        sync_handle = node_a.subscribe_sync(sessions_a)

        # A shows an invite; B joins with its ticket; both screens show B's fingerprint.
        invite = node_a.create_invite(group_a, gw.InviteOptions(validity_secs=120))
        assert invite.ticket().startswith("gwinvite1")
        assert invite.qr_payload() == invite.ticket()
        assert invite.group_name() == "Maple Court Tenants"
        assert invite.expires_at_ms() > now_ms()
        assert invite.addresses() and all(s.startswith("127.0.0.1:") for s in invite.addresses())
        joined_on_a = asyncio.ensure_future(invite.wait_joined())
        joined = await node_b.join(invite.ticket(), "Rosa's phone")
        device = await asyncio.wait_for(joined_on_a, WAIT)
        assert joined.fingerprint == device.fingerprint == b.fingerprint()
        assert device.device_id == b.device_id()
        assert device.name == "Rosa's phone"
        assert joined.group_name == "Maple Court Tenants"

        # B has the group's records.
        group_b = b.group(joined.group_id)
        assert group_b.contact(ana.id).assessment == 2
        members = {m.device_id: m for m in group_b.members()}
        assert members[a.device_id()].role == gw.Role.ADMIN
        assert members[b.device_id()].role == gw.Role.MEMBER
        assert members[b.device_id()].is_this_device
        assert group_b.my_role() == gw.Role.MEMBER

        # B is not an admin: it may not invite, nor remove devices.
        with pytest.raises(GroundworkError.Permission):
            node_b.create_invite(group_b, gw.InviteOptions())
        with pytest.raises(GroundworkError.Permission):
            group_b.remove_device(a.device_id())

        # A edits; B syncs with A and its subscription fires with a remote change.
        listener = Collect()
        handle = group_b.subscribe(gw.RecordFilter.RECORD(id=ana.id), listener)
        group_a.update_contact(ana.id, [gw.ContactEdit.ADD_TAG(tag="leader")])
        stats = await node_b.sync_now(group_b, a.device_id(), loopback(node_a))
        assert stats.changes_received >= 1
        event = listener.next_change()
        assert event.record_id == ana.id and event.origin == gw.Origin.REMOTE
        assert "leader" in group_b.contact(ana.id).tags
        handle.cancel()

        # A stale screen on B: it shows a version, then A's edits arrive by sync; the screen sends
        # back its whole notes text and a new name, based on what it showed. Nothing is lost.
        seen = group_b.contact(ana.id)
        group_a.update_contact(
            ana.id,
            [
                gw.ContactEdit.ADD_TAG(tag="steward"),
                gw.ContactEdit.EDIT_NOTES(edit=gw.TextEdit.SPLICE(index=0, delete=0, insert="Call after 6. ")),
            ],
        )
        await node_b.sync_now(group_b, a.device_id(), loopback(node_a))
        merged = group_b.update_contact(
            ana.id,
            [
                gw.ContactEdit.SET_NAME(name="Ana Ruiz"),
                gw.ContactEdit.EDIT_NOTES(edit=gw.TextEdit.REPLACE(text=seen.notes + "Has a car.")),
            ],
            base=seen.meta.version,
        )
        assert "steward" in merged.tags
        # Both inserts went at the start of an empty text: their order is the CRDT's, the same on
        # every device.
        assert merged.notes in ("Call after 6. Has a car.", "Has a car.Call after 6. ")

        # Concurrent edits of one field on both devices: a conflict, shown on both, resolved once.
        group_a.update_contact(ana.id, [gw.ContactEdit.SET_NAME(name="Ana Ruiz-Lopez")])
        group_b.update_contact(ana.id, [gw.ContactEdit.SET_NAME(name="Ana R. Lopez")])
        bea = group_b.create_contact(gw.NewContact(name="Bea Lund"))
        # B knows A's address from the invite: sync with every known peer.
        [outcome] = await node_b.sync_known_peers(group_b)
        assert outcome.device_id == a.device_id()
        assert outcome.error is None, outcome.error
        assert group_a.contact(bea.id).name == "Bea Lund"
        for g in (group_a, group_b):
            [conflict] = g.contact(ana.id).meta.conflicts
            assert conflict.field == "name"
            assert sorted(v.value for v in conflict.values) == ["Ana R. Lopez", "Ana Ruiz-Lopez"]
        group_b.resolve_conflict(ana.id, "name", "Ana Ruiz-Lopez")
        await node_b.sync_now(group_b, a.device_id(), loopback(node_a))
        for g in (group_a, group_b):
            c = g.contact(ana.id)
            assert c.name == "Ana Ruiz-Lopez" and c.meta.conflicts == []

        # A live link: A's edits reach B as they are made, no sync call needed.
        link = await node_b.go_live(group_b, a.device_id(), loopback(node_a))
        assert link.is_open()
        listener = Collect()
        handle = group_b.subscribe(gw.RecordFilter.GROUP(), listener)
        cy = group_a.create_contact(gw.NewContact(name="Cy Live"))
        event = listener.next_change()
        assert event.record_id == cy.id and event.origin == gw.Origin.REMOTE
        assert group_b.contact(cy.id).name == "Cy Live"
        handle.cancel()
        link.stop()
        link.stop()
        assert not link.is_open()

        # The sync status and the session reports.
        status = node_b.sync_status(group_b)
        [peer] = status.peers
        assert peer.device_id == a.device_id()
        assert peer.last_session is not None and peer.last_session.error is None
        assert peer.last_session.initiated
        report = sessions_a.reports.get(timeout=WAIT)
        assert report.peer_device_id == b.device_id() and not report.initiated
        sync_handle.cancel()

        # A removes B: B's next sync is refused.
        group_a.remove_device(b.device_id())
        assert b.device_id() not in {m.device_id for m in group_a.members()}
        with pytest.raises(GroundworkError.Permission):
            await node_b.sync_now(group_b, a.device_id(), loopback(node_a))

    run(scenario())


def test_malformed_peer_addresses_are_invalid_input(store, group):
    async def scenario():
        node = await store.start_node(gw.NodeOptions(bind="127.0.0.1:0"))
        try:
            with pytest.raises(GroundworkError.InvalidInput):
                await node.sync_now(group, "zz", ["127.0.0.1:1"])
            with pytest.raises(GroundworkError.InvalidInput):
                await node.sync_now(group, store.device_id(), ["nowhere"])
        finally:
            await node.shutdown()

    run(scenario())
