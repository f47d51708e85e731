package org.groundwork.app

import android.view.View
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.groundwork.ConversationSteps
import org.groundwork.NewConversation
import org.groundwork.NewFollowUp
import org.groundwork.ScaleLevel
import org.groundwork.ffi.Channel

/** A step of the one-on-one, as the organizing training names it, and what to ask oneself. */
internal class Step(val title: String, val prompt: String)

/** The five steps of talking politics, in order. */
internal val STEPS = listOf(
    Step("Get in the door", "How did the conversation open? Where, and what got you talking?"),
    Step("Get their story", "What do they care about? What issues did they raise?"),
    Step("Propose a vision", "What did you propose we could win together?"),
    Step("Address obstacles", "What held them back, and how did you answer it?"),
    Step("Advocate & assess", "What did you ask of them, what did they answer, and where do they stand?"),
)

/** The written steps of a conversation, in the order of [STEPS] (the ask and answer together). */
internal fun stepTexts(s: ConversationSteps): List<String> = listOf(
    s.door,
    s.story,
    s.vision,
    s.obstacles,
    listOf(s.ask, s.answer).filter { it.isNotBlank() }.joinToString(" → "),
)

/**
 * Recording a one-on-one, one step per page: get in the door, get their story, propose a vision,
 * address obstacles, advocate & assess. The last page takes the ask, their answer, the
 * assessment on the group's scale (leader / supporter / undecided / pass by default), the next
 * steps, and a follow-up if one is due. Saved in one write with its follow-up.
 */
class RecordConversationScreen(private val contactId: String) : Screen() {
    override val showsTabs = false
    private var page = 0

    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val door = field("", multiLine = true)
        val story = field("", multiLine = true)
        val vision = field("", multiLine = true)
        val obstacles = field("", multiLine = true)
        val ask = field("The ask", multiLine = true)
        val answer = field("Their answer", multiLine = true)
        val nextSteps = field("Next steps (each becomes your follow-up)", multiLine = true)
        val followUpDays = field("Follow up in how many days? (empty: no follow-up)").apply {
            inputType = android.text.InputType.TYPE_CLASS_NUMBER
        }
        val assessment = RadioGroup(this)
        val pages = listOf(
            listOf<View>(door),
            listOf<View>(story),
            listOf<View>(vision),
            listOf<View>(obstacles),
            listOf(ask, answer, label("Assessment"), assessment, nextSteps, followUpDays),
        )
        scope.launch {
            val levels = group().settings().scale.levels
            levels.forEach { level -> assessment.addView(radio(level)) }
            assessment.addView(RadioButton(this@with).apply { text = "Not assessed"; id = View.generateViewId() })
        }

        val heading = title("")
        val prompt = label("")
        val content = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val previous = button("Previous") {}
        val next = button("Next") {}
        fun showPage() {
            heading.text = "${page + 1}/5 · ${STEPS[page].title}"
            prompt.text = STEPS[page].prompt
            content.replaceRows(pages[page])
            previous.isEnabled = page > 0
            next.text = if (page == STEPS.lastIndex) "Save" else "Next"
        }
        previous.setOnClickListener { if (page > 0) { page--; showPage() } }
        next.setOnClickListener {
            if (page < STEPS.lastIndex) {
                page++
                showPage()
                return@setOnClickListener
            }
            val chosen = assessment.findViewById<RadioButton>(assessment.checkedRadioButtonId)
            val steps = ConversationSteps(
                door = door.value(), story = story.value(), vision = vision.value(),
                obstacles = obstacles.value(), ask = ask.value(), answer = answer.value(),
            )
            val days = followUpDays.value().toLongOrNull()
            launchMain {
                val group = group()
                val now = System.currentTimeMillis()
                val organizer = app.organizer
                group.recordConversation(
                    contactId,
                    NewConversation(
                        organizer = organizer,
                        atMs = now,
                        channel = Channel.Door,
                        steps = steps,
                        assessment = chosen?.tag as? Long,
                        nextSteps = nextSteps.value(),
                    ),
                    followUp = days?.let {
                        NewFollowUp(
                            title = nextSteps.value().lineSequence().firstOrNull { l -> l.isNotBlank() } ?: "Follow up",
                            assignee = organizer,
                            dueMs = now + it * DAY_MS,
                        )
                    },
                )
                back()
            }
        }
        showPage()
        scroll(column(heading, prompt, content, row(previous, next), button("Cancel") { back() }))
    }

    private fun MainActivity.radio(level: ScaleLevel) = RadioButton(this).apply {
        text = level.label
        tag = level.value
        id = View.generateViewId()
    }

    private fun EditText.value() = text.toString().trim()

    private companion object {
        const val DAY_MS = 24L * 3600 * 1000
    }
}
