package org.groundwork

import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import org.groundwork.ffi.GroundworkException as FfiError
import org.groundwork.ffi.SubscriptionHandle as FfiHandle

/**
 * Turns a Rust subscription into a cold [Flow]: each collection subscribes anew, and when the
 * collector stops (cancelled, or it threw), the Rust subscription is cancelled and its handle
 * freed at once, not when the garbage collector gets to it.
 *
 * Rust calls the listener from a thread of its own blocking pool, one item at a time, in order.
 * Ordered events ([conflate] false) wait there for buffer room, so a slow screen slows its own
 * subscription and loses nothing; list rows ([conflate] true) keep only the newest rows, as a
 * list screen only ever draws the latest. When the collector is gone, the listener throws, and
 * Rust ends the subscription as well (it stops at whichever comes first).
 */
internal fun <T> rustFlow(
    conflate: Boolean,
    subscribe: (deliver: (T) -> Unit) -> FfiHandle,
): Flow<T> {
    val flow = callbackFlow {
        val handle = guard {
            subscribe { item ->
                Subscriptions.deliveries.incrementAndGet()
                if (trySendBlocking(item).isFailure) {
                    throw FfiError.Internal("the collector is gone")
                }
            }
        }
        awaitClose {
            handle.cancel()
            handle.close()
        }
    }
    return if (conflate) flow.buffer(1, BufferOverflow.DROP_OLDEST) else flow.buffer(64)
}

/** What tests observe of the subscriptions' plumbing. */
internal object Subscriptions {
    /** How many times Rust called a listener of this library (ever). A cancelled subscription
     *  must not move it. */
    val deliveries = AtomicLong()
}
