package org.groundwork.app

import android.view.View
import android.widget.LinearLayout
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.groundwork.Benchmark
import org.groundwork.BenchmarkProgress
import org.groundwork.NewPlan
import org.groundwork.Plan
import org.groundwork.ffi.AssessmentAtLeast
import org.groundwork.ffi.Counted

/** The group's plans, by title; tap one for its goals, tactics and benchmarks. */
class PlansScreen : Screen() {
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val rows = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val newTitle = field("New plan's title")
        scope.launch {
            val plans = group().plans()
            rows.replaceRows(plans.map { p -> label(p.title).apply { setOnClickListener { open(PlanScreen(p.id)) } } })
        }
        val add = button("Add plan") {
            val title = newTitle.text.toString().trim()
            if (title.isNotEmpty()) launchMain { open(PlanScreen(group().createPlan(NewPlan(title = title)).id)) }
        }
        scroll(column(title("Plans"), rows, newTitle, add))
    }
}

/**
 * A plan: terrain questions, goals, strategy, tactics and benchmarks. A benchmark shows its
 * target and what it counts, and its progress, counted from the records by Rust and live: a
 * conversation recorded here or arriving by sync moves it while the screen is open.
 */
class PlanScreen(private val planId: String) : Screen() {
    override fun build(activity: MainActivity, scope: CoroutineScope): View = with(activity) {
        val body = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        val progress = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        scope.launch { body.replaceRows(page(group().plan(planId))) }
        scope.launch {
            group().watchBenchmarks(planId).collect { rows -> progress.replaceRows(rows.map { label(progressOf(it)) }) }
        }
        scroll(column(body, title("Progress"), progress, button("Back") { back() }))
    }

    private fun progressOf(b: BenchmarkProgress): String {
        val count = b.count?.toString() ?: "?"
        val state = when {
            b.met -> "met"
            b.missed -> "missed"
            else -> "under way"
        }
        val partial = if (b.partial) " (this phone holds part of what it counts)" else ""
        return "${b.description}: $count of ${b.target}, $state$partial"
    }

    private fun MainActivity.page(p: Plan): List<View> {
        val views = mutableListOf<View>(title(p.title))
        p.terrain.forEach { views += label("${it.question}\n${it.answer}") }
        if (p.goals.isNotEmpty()) views += title("Goals")
        p.goals.forEach { views += label(it.text) }
        if (p.strategy.isNotBlank()) views += listOf(title("Strategy"), label(p.strategy))
        if (p.tactics.isNotEmpty()) views += title("Tactics")
        p.tactics.forEach { t ->
            val date = t.dateMs?.let { " · ${dateOf(it)}" } ?: ""
            views += label((if (t.done) "✓ " else "○ ") + "${t.description} · ${t.owner}$date")
        }
        views += title("Benchmarks")
        if (p.benchmarks.isEmpty()) views += label("None yet")
        p.benchmarks.forEach { views += label(describe(it)) }
        if (p.reflections.isNotEmpty()) views += title("Reflections")
        p.reflections.forEach { r -> views += label("${r.action}: ${r.worked} / ${r.didnt} → ${r.next}. ${r.celebration}") }
        return views
    }

    private fun describe(b: Benchmark): String {
        val q = b.query
        val what = when (val c = q.counts) {
            is Counted.Contacts -> "contacts"
            is Counted.Conversations -> "conversations"
            is Counted.FollowUps -> "follow-ups"
            is Counted.Other -> c.value
        }
        val filters = listOfNotNull(
            q.assessment?.let {
                when (it) {
                    is AssessmentAtLeast.SupporterOrBetter -> "supporter or better"
                    is AssessmentAtLeast.Level -> "assessed ${it.value} or stronger"
                }
            },
            q.tag?.let { "tagged $it" },
            q.organizer?.let { "by $it" },
            q.sinceMs?.let { "since ${dateOf(it)}" },
        )
        val deadline = b.deadlineMs?.let { " by ${dateOf(it)}" } ?: ""
        return "${b.description}: ${b.target} $what" + filters.joinToString("") { ", $it" } + deadline
    }
}
