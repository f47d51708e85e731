package org.groundwork.app

import android.content.Context
import android.graphics.Typeface
import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import java.text.DateFormat
import java.util.Date

// Framework views built in code: no XML, no generated R class, no AndroidX. A handful of
// builders keep the screens readable.

internal fun Context.column(vararg children: View): LinearLayout = LinearLayout(this).apply {
    orientation = LinearLayout.VERTICAL
    val pad = dp(16)
    setPadding(pad, pad, pad, pad)
    children.forEach { addView(it) }
}

internal fun Context.row(vararg children: View): LinearLayout = LinearLayout(this).apply {
    orientation = LinearLayout.HORIZONTAL
    children.forEach { addView(it, LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f)) }
}

internal fun Context.scroll(content: View): ScrollView = ScrollView(this).apply { addView(content) }

internal fun Context.title(text: String): TextView = TextView(this).apply {
    this.text = text
    textSize = 22f
    setTypeface(typeface, Typeface.BOLD)
    setPadding(0, 0, 0, dp(8))
}

internal fun Context.label(text: String, size: Float = 16f): TextView = TextView(this).apply {
    this.text = text
    textSize = size
    setPadding(0, dp(4), 0, dp(4))
}

internal fun Context.button(text: String, onClick: () -> Unit): Button = Button(this).apply {
    this.text = text
    setOnClickListener { onClick() }
}

internal fun Context.field(hint: String, multiLine: Boolean = false, initial: String = ""): EditText =
    EditText(this).apply {
        this.hint = hint
        setText(initial)
        inputType = if (multiLine) {
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES
        } else {
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_WORDS
        }
        if (multiLine) minLines = 3
    }

internal fun EditText.onChange(action: (String) -> Unit) = addTextChangedListener(object : TextWatcher {
    override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) {}
    override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) {}
    override fun afterTextChanged(s: Editable?) = action(s?.toString().orEmpty())
})

internal fun Context.dp(value: Int): Int = (value * resources.displayMetrics.density).toInt()

internal fun LinearLayout.replaceRows(rows: List<View>) {
    removeAllViews()
    rows.forEach { addView(it) }
}

internal fun dateOf(ms: Long): String = DateFormat.getDateInstance(DateFormat.MEDIUM).format(Date(ms))

internal fun dateTimeOf(ms: Long): String =
    DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT).format(Date(ms))
