// The Swift twin of ffi/tests/python: the same flows against the real library. Runs with
// `swift test` on a Mac after ios/scripts/build-xcframework (it needs the macOS slice); CI on
// Linux only parses it and checks its symbols (ios/scripts/check).
import Foundation
import XCTest
@testable import Groundwork

final class GroundworkTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func key(_ byte: UInt8 = 7) -> Data { Data(repeating: byte, count: 32) }

    private func openStore(_ name: String = "store.db", key: Data? = nil) async throws -> GroundworkStore {
        try await GroundworkStore.open(path: folder.appendingPathComponent(name).path, key: key ?? self.key())
    }

    func testContactAndConversationRoundTrip() async throws {
        let store = try await openStore()
        let group = try await store.createGroup(name: "Maple Court Tenants")
        let settings = try await group.settings()
        XCTAssertEqual(settings.levels.map(\.label), ["leader", "supporter", "undecided", "pass"])

        let rosa = try await group.createContact(NewContact(name: "Rosa Parks", phones: [(label: "mobile", value: "0612345678")]))
        let supporter = try XCTUnwrap(settings.levels.first { $0.label == "supporter" }).value
        let steps = ConversationSteps(door: "Asked about the broken heating", story: "Cold since October",
                                      vision: "All of us together", obstacles: "Afraid of the landlord",
                                      ask: "Come on Thursday", answer: "Yes")
        let recorded = try await group.recordConversation(
            contactId: rosa.id,
            NewConversation(organizer: "dee", steps: steps, assessment: supporter, nextSteps: "Call on Wednesday"),
            followUp: NewFollowUp(title: "Call on Wednesday", assignee: "dee", due: Date().addingTimeInterval(86_400))
        )
        XCTAssertNotNil(recorded.followUpId)

        let again = try await group.contact(id: rosa.id)
        XCTAssertEqual(again.conversations.map(\.steps), [steps])
        XCTAssertEqual(again.assessment, supporter)
        let due = try await group.followUps(FollowUpQuery(assignee: "dee", dueBefore: Date().addingTimeInterval(2 * 86_400)))
        XCTAssertEqual(due.map(\.title), ["Call on Wednesday"])
        let found = try await group.contacts(ContactQuery(namePrefix: "ros"))
        XCTAssertEqual(found.map(\.name), ["Rosa Parks"])
    }

    func testWatchDeliversCurrentRowsThenChanges() async throws {
        let store = try await openStore()
        let group = try await store.createGroup(name: "Night shift")
        var rows = try group.watchContacts().makeAsyncIterator()
        let first = await rows.next()
        XCTAssertEqual(first?.count, 0)
        _ = try await group.createContact(NewContact(name: "Ana"))
        let second = await rows.next()
        XCTAssertEqual(second?.map(\.name), ["Ana"])
    }

    func testEndingAStreamCancelsTheSubscription() async throws {
        let store = try await openStore()
        let group = try await store.createGroup(name: "Night shift")
        let reader = Task { () -> Int in
            var seen = 0
            for await _ in try group.changes() { seen += 1 }
            return seen
        }
        _ = try await group.createContact(NewContact(name: "Ana"))
        reader.cancel()
        // A cancelled reader's stream finishes (its Rust handle is cancelled on termination).
        let seen = try await reader.value
        XCTAssertLessThanOrEqual(seen, 1)
    }

    func testErrorsArriveByKind() async throws {
        let store = try await openStore()
        let group = try await store.createGroup(name: "Night shift")
        do {
            _ = try await group.createContact(NewContact(name: String(repeating: "x", count: 1_000_000)))
            XCTFail("a million-character name was accepted")
        } catch let error as GroundworkError {
            XCTAssertEqual(error.kind, .invalidInput)
        }
        do {
            _ = try await group.contact(id: String(repeating: "0", count: 32))
            XCTFail("a missing contact was found")
        } catch let error as GroundworkError {
            XCTAssertEqual(error.kind, .notFound)
        }
        do {
            _ = try await GroundworkStore.open(path: folder.appendingPathComponent("short.db").path, key: Data(count: 31))
            XCTFail("a 31-byte key was accepted")
        } catch let error as GroundworkError {
            XCTAssertEqual(error.kind, .invalidInput)
        }
    }

    func testWrongKeyIsAStorageErrorAndLeavesTheFile() async throws {
        do {
            let store = try await openStore("kept.db")
            _ = try await store.createGroup(name: "Kept")
        }
        do {
            _ = try await openStore("kept.db", key: key(9))
            XCTFail("a wrong key opened the store")
        } catch let error as GroundworkError {
            XCTAssertEqual(error.kind, .storage)
        }
        let reopened = try await openStore("kept.db")
        let groups = try await reopened.groups()
        XCTAssertEqual(groups.map(\.name), ["Kept"])
    }
}
