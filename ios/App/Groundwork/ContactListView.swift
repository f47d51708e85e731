import Groundwork
import SwiftUI

/// Everyone the group organizes with, searchable by name. The rows come from a watch: they
/// change as soon as an edit here or a sync alters them.
struct ContactListView: View {
    let group: GroundworkGroup
    let settings: GroupSettings
    @State private var search = ""
    @State private var rows: [ContactSummary] = []
    @State private var error: String?
    @State private var adding = false

    var body: some View {
        List(rows) { row in
            NavigationLink(value: row.id) {
                VStack(alignment: .leading) {
                    Text(row.name).strikethrough(row.doNotContact)
                    HStack {
                        if let label = row.assessmentLabel { Text(label).bold() }
                        if let last = row.lastConversationAt {
                            Text("talked \(last, style: .relative) ago")
                        } else {
                            Text("no conversation yet")
                        }
                    }
                    .font(.caption)
                    .foregroundStyle(.secondary)
                }
            }
        }
        .overlay { if let error { Text(error).foregroundStyle(.red) } }
        .searchable(text: $search, prompt: "Name")
        .navigationTitle("Contacts")
        .navigationDestination(for: String.self) { id in ContactView(group: group, settings: settings, contactId: id) }
        .toolbar { Button { adding = true } label: { Image(systemName: "plus") } }
        .sheet(isPresented: $adding) { NewContactView(group: group) }
        // A new search restarts the watch: the old stream ends, which cancels its Rust subscription.
        .task(id: search) {
            do {
                for await latest in try group.watchContacts(ContactQuery(namePrefix: search, limit: 200)) {
                    rows = latest
                }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
    }
}

struct NewContactView: View {
    let group: GroundworkGroup
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var name = ""
    @State private var phone = ""
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                TextField("Name", text: $name)
                TextField("Mobile", text: $phone).keyboardType(.phonePad)
                if let error { Text(error).foregroundStyle(.red) }
            }
            .navigationTitle("New contact")
            .toolbar {
                Button("Save") {
                    Task {
                        do {
                            let phones = phone.isEmpty ? [] : [(label: "mobile", value: phone)]
                            let organizers = model.organizer.isEmpty ? [] : [model.organizer]
                            _ = try await group.createContact(NewContact(name: name, phones: phones, organizers: organizers))
                            dismiss()
                        } catch let e as GroundworkError {
                            error = e.message
                        }
                    }
                }
                .disabled(name.trimmingCharacters(in: .whitespaces).isEmpty)
            }
        }
    }
}

/// A contact with their conversation log, newest first, and what to do next.
struct ContactView: View {
    let group: GroundworkGroup
    let settings: GroupSettings
    let contactId: String
    @State private var contact: Contact?
    @State private var error: String?
    @State private var recording = false

    var body: some View {
        List {
            if let contact {
                Section {
                    if let label = settings.label(of: contact.assessment) {
                        LabeledContent("Assessment", value: label)
                    }
                    ForEach(contact.phones) { LabeledContent($0.label, value: $0.value) }
                    if !contact.tags.isEmpty { LabeledContent("Tags", value: contact.tags.joined(separator: ", ")) }
                    if contact.doNotContact { Text("Do not contact").foregroundStyle(.red) }
                    if !contact.conflicts.isEmpty {
                        Text("\(contact.conflicts.count) field(s) were changed on two devices at once")
                            .foregroundStyle(.orange)
                    }
                }
                Section("Conversations") {
                    if contact.conversations.isEmpty { Text("None yet").foregroundStyle(.secondary) }
                    ForEach(contact.conversations.reversed()) { c in
                        ConversationRow(conversation: c, settings: settings)
                    }
                }
            }
            if let error { Text(error).foregroundStyle(.red) }
        }
        .navigationTitle(contact?.name ?? "")
        .toolbar {
            Button("Record a conversation") { recording = true }
                .disabled(contact?.doNotContact ?? true)
        }
        .sheet(isPresented: $recording) {
            if let contact { RecordConversationView(group: group, settings: settings, contact: contact) }
        }
        // Re-read whenever this record changes, here or by sync (the stream ends with the screen).
        .task {
            await load()
            do {
                for await _ in try group.changes(.record(contactId)) { await load() }
            } catch {
                self.error = (error as? GroundworkError)?.message ?? "\(error)"
            }
        }
    }

    private func load() async {
        do { contact = try await group.contact(id: contactId) } catch let e as GroundworkError {
            error = e.message
        } catch {}
    }
}

struct ConversationRow: View {
    let conversation: Conversation
    let settings: GroupSettings

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(conversation.at, style: .date)
                Text(conversation.organizer).foregroundStyle(.secondary)
                Spacer()
                if let label = settings.label(of: conversation.assessment) { Text(label).bold() }
            }
            ForEach(Step.allCases) { step in
                let text = step.text(of: conversation.steps)
                if !text.isEmpty {
                    Text("\(step.title): ").bold() + Text(text)
                }
            }
            if !conversation.nextSteps.isEmpty { Text("Next: ").bold() + Text(conversation.nextSteps) }
        }
        .font(.callout)
    }
}
