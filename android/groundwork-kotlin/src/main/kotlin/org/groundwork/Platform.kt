package org.groundwork

import org.groundwork.ffi.LogListener

/**
 * The Rust core's logs, for the platform logger (`android.util.Log`). Events carry module
 * names, peers and errors, never record content.
 */
public object CoreLogs {
    /**
     * Sends log events at [maxLevel] or more severe to [sink], from now on (replacing an
     * earlier sink). [sink] runs on Rust's threads: keep it quick; what it logs through
     * Groundwork meanwhile is dropped, so it cannot loop.
     */
    public fun forward(maxLevel: LogLevel = LogLevel.INFO, sink: (level: LogLevel, target: String, message: String) -> kotlin.Unit) {
        guard {
            org.groundwork.ffi.forwardLogs(
                object : LogListener {
                    override fun onLog(level: LogLevel, target: String, message: String) = sink(level, target, message)
                },
                maxLevel,
            )
        }
    }

    /** Stops sending log events. */
    public fun stop(): kotlin.Unit = guard { org.groundwork.ffi.stopForwardingLogs() }
}
