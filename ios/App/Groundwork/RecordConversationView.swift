import Groundwork
import SwiftUI

/// The five steps of a one-on-one, in the order the conversation takes them.
enum Step: Int, CaseIterable, Identifiable {
    case door, story, vision, obstacles, advocate

    var id: Int { rawValue }

    var title: String {
        switch self {
        case .door: return "Get in the door"
        case .story: return "Get their story"
        case .vision: return "Propose a vision"
        case .obstacles: return "Address obstacles"
        case .advocate: return "Advocate & assess"
        }
    }

    /// What the organizer notes down at this step.
    var prompt: String {
        switch self {
        case .door: return "How did the conversation start?"
        case .story: return "What are they angry about? What do they care about?"
        case .vision: return "Their story in a larger frame: what could we do together?"
        case .obstacles: return "What fears or roadblocks came up, and how did you meet them?"
        case .advocate: return "What did you ask them to do?"
        }
    }

    func text(of steps: ConversationSteps) -> String {
        switch self {
        case .door: return steps.door
        case .story: return steps.story
        case .vision: return steps.vision
        case .obstacles: return steps.obstacles
        case .advocate: return steps.ask
        }
    }
}

/// Records a conversation step by step, then the assessment (leader / supporter / undecided /
/// pass, or the group's own scale), the next steps and, if they call for one, a follow-up.
struct RecordConversationView: View {
    let group: GroundworkGroup
    let settings: GroupSettings
    let contact: Contact
    @EnvironmentObject var model: AppModel
    @Environment(\.dismiss) private var dismiss

    @State private var step: Step = .door
    @State private var steps = ConversationSteps()
    @State private var channel: Channel = .door
    @State private var assessment: Int64?
    @State private var nextSteps = ""
    @State private var followUp = true
    @State private var followUpDue = Calendar.current.date(byAdding: .day, value: 7, to: Date()) ?? Date()
    @State private var error: String?
    @State private var saving = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Picker("Step", selection: $step) {
                        ForEach(Step.allCases) { Text("\($0.rawValue + 1)").tag($0) }
                    }
                    .pickerStyle(.segmented)
                }
                Section(header: Text("\(step.rawValue + 1). \(step.title)"), footer: Text(step.prompt)) {
                    TextEditor(text: binding(for: step)).frame(minHeight: 120)
                }
                if step == .door {
                    Picker("Where", selection: $channel) {
                        Text("At the door").tag(Channel.door)
                        Text("Phone").tag(Channel.phone)
                        Text("At work").tag(Channel.workplace)
                        Text("Event").tag(Channel.event)
                    }
                }
                if step == .advocate {
                    Section("Their answer") { TextEditor(text: $steps.answer).frame(minHeight: 60) }
                    Section("Assessment: how much energy to put into this relationship?") {
                        Picker("Assessment", selection: $assessment) {
                            Text("Not assessed").tag(Int64?.none)
                            ForEach(settings.levels) { Text($0.label).tag(Int64?.some($0.value)) }
                        }
                        .pickerStyle(.inline)
                        .labelsHidden()
                    }
                    Section("Next steps") {
                        TextEditor(text: $nextSteps).frame(minHeight: 60)
                        Toggle("Follow up", isOn: $followUp)
                        if followUp { DatePicker("Due", selection: $followUpDue, displayedComponents: .date) }
                    }
                }
                if let error { Text(error).foregroundStyle(.red) }
            }
            .navigationTitle(contact.name)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    if step == .advocate {
                        Button("Save") { Task { await save() } }.disabled(saving)
                    } else {
                        Button("Next") { step = Step(rawValue: step.rawValue + 1) ?? .advocate }
                    }
                }
            }
        }
    }

    private func binding(for step: Step) -> Binding<String> {
        switch step {
        case .door: return $steps.door
        case .story: return $steps.story
        case .vision: return $steps.vision
        case .obstacles: return $steps.obstacles
        case .advocate: return $steps.ask
        }
    }

    private func save() async {
        saving = true
        defer { saving = false }
        let organizer = model.organizer.isEmpty ? "me" : model.organizer
        let conversation = NewConversation(organizer: organizer, channel: channel, steps: steps,
                                           assessment: assessment, nextSteps: nextSteps)
        // The follow-up is titled with the next steps' first line and written in the same
        // transaction as the conversation: both are stored, or neither.
        let title = nextSteps.split(separator: "\n").first.map(String.init) ?? "Follow up with \(contact.name)"
        let follow = followUp ? NewFollowUp(title: title, assignee: organizer, due: followUpDue) : nil
        do {
            _ = try await group.recordConversation(contactId: contact.id, conversation, followUp: follow)
            dismiss()
        } catch let e as GroundworkError {
            error = e.message
        } catch {
            self.error = "\(error)"
        }
    }
}
