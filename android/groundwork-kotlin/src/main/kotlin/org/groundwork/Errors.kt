package org.groundwork

import org.groundwork.ffi.GroundworkException as FfiError
import org.groundwork.ffi.InternalException as FfiPanic

/**
 * Every failure of a Groundwork call, by kind: the same kinds as the Rust facade's
 * `GroundworkError` (ffi/src/error.rs). Branch on the class, never on the message, which is for
 * people and bug reports.
 *
 * The generated exceptions never reach the app: [guard] turns each into one of these, so the
 * app's `catch` clauses do not depend on the binding generator.
 */
public sealed class GroundworkException(message: String, cause: Throwable?) :
    Exception(message, cause) {
    /** Empty, too long or malformed input, a key that is not 32 bytes, a value off the scale. */
    public class InvalidInput(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** No such record, group or member on this device, or the record was erased. */
    public class NotFound(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** Not an admin, not a member, outside the grant; or a peer refused the session. */
    public class Permission(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** Wrong key or not a store, store in use, damaged, written by a newer version, I/O. */
    public class Storage(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** The endpoint could not bind, a peer was unreachable, a session broke off, an invite
     *  expired unused. */
    public class Network(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** An edit based on a version this device does not have yet: sync first, then retry. */
    public class Conflict(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)

    /** A bug: a panic in Rust, an object used after it was closed or consumed. */
    public class Internal(message: String, cause: Throwable? = null) :
        GroundworkException(message, cause)
}

/** The app-facing exception for a generated one (or for misuse the generated code reports). */
internal fun translate(e: Throwable): Throwable = when (e) {
    is FfiError.InvalidInput -> GroundworkException.InvalidInput(e.detail, e)
    is FfiError.NotFound -> GroundworkException.NotFound(e.detail, e)
    is FfiError.Permission -> GroundworkException.Permission(e.detail, e)
    is FfiError.Storage -> GroundworkException.Storage(e.detail, e)
    is FfiError.Network -> GroundworkException.Network(e.detail, e)
    is FfiError.Conflict -> GroundworkException.Conflict(e.detail, e)
    is FfiError.Internal -> GroundworkException.Internal(e.detail, e)
    // A Rust panic in a synchronous call, caught by uniffi's scaffolding.
    is FfiPanic -> GroundworkException.Internal(e.message ?: "a panic in Groundwork", e)
    // The generated objects throw this when used after close() (see ObjectTemplate's call counter).
    is IllegalStateException -> GroundworkException.Internal(e.message ?: "used after close", e)
    else -> e
}

/** Runs a call into the bindings, translating what it throws. */
internal inline fun <T> guard(call: () -> T): T =
    try {
        call()
    } catch (e: Exception) {
        throw translate(e)
    }
