package org.groundwork

import java.io.File
import java.lang.reflect.GenericArrayType
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.lang.reflect.WildcardType
import kotlin.reflect.KVisibility
import kotlin.reflect.jvm.kotlinFunction
import kotlin.reflect.jvm.kotlinProperty
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The generated code stays behind the API: no public signature of `org.groundwork` hands the app
 * a generated object (a Rust handle), listener or exception. Generated plain values (records and
 * enums, re-exported by typealias in Records.kt) may appear; nothing else from
 * `org.groundwork.ffi` may.
 */
class ApiSurfaceTest {
    @Test
    fun theApiExposesNoGeneratedObjectListenerOrException() {
        val root = File(GroundworkStore::class.java.protectionDomain.codeSource.location.toURI())
        val classes = File(root, "org/groundwork").listFiles { f -> f.isFile && f.name.endsWith(".class") }!!
            .map { Class.forName("org.groundwork." + it.name.removeSuffix(".class")) }
        val leaks = mutableListOf<String>()
        var checked = 0
        for (c in classes) {
            if (!Modifier.isPublic(c.modifiers) || !isPublicInKotlin(c)) continue
            for (m in c.declaredMethods) {
                if (!Modifier.isPublic(m.modifiers) || m.isSynthetic) continue
                val visibility = runCatching { m.kotlinFunction?.visibility }.getOrNull()
                if (visibility != null && visibility != KVisibility.PUBLIC && visibility != KVisibility.PROTECTED) continue
                if (visibility == null && m.name.contains('$')) continue // an internal member's mangled name
                checked++
                (m.genericParameterTypes.toList() + m.genericReturnType).forEach { t ->
                    leaks += forbidden(t).map { "${c.simpleName}.${m.name}: $it" }
                }
            }
            for (k in c.declaredConstructors) {
                if (!Modifier.isPublic(k.modifiers) || k.isSynthetic) continue
                if (runCatching { k.kotlinFunction?.visibility }.getOrNull() == KVisibility.INTERNAL) continue
                k.genericParameterTypes.forEach { t -> leaks += forbidden(t).map { "${c.simpleName}(): $it" } }
            }
            for (f in c.declaredFields) {
                if (!Modifier.isPublic(f.modifiers) || f.isSynthetic) continue
                if (runCatching { f.kotlinProperty?.visibility }.getOrNull() == KVisibility.INTERNAL) continue
                leaks += forbidden(f.genericType).map { "${c.simpleName}.${f.name}: $it" }
            }
        }
        assertTrue(checked > 50, "only $checked public methods found: is the scan looking in the right place?")
        assertEquals(emptyList<String>(), leaks)
    }

    private fun isPublicInKotlin(c: Class<*>): Boolean =
        // File facades (RecordsKt) have no Kotlin class; their functions are checked one by one.
        runCatching { c.kotlin.visibility }.getOrNull().let { it == null || it == KVisibility.PUBLIC }

    /** The generated classes in [t] the app must not be handed. */
    private fun forbidden(t: Type): List<String> = when (t) {
        is Class<*> -> when {
            t.isArray -> forbidden(t.componentType)
            t.name.startsWith("org.groundwork.ffi.") && !isPlainValue(t) -> listOf(t.name)
            else -> emptyList()
        }
        is ParameterizedType -> forbidden(t.rawType) + t.actualTypeArguments.flatMap { forbidden(it) }
        is WildcardType -> (t.upperBounds + t.lowerBounds).flatMap { forbidden(it) }
        is GenericArrayType -> forbidden(t.genericComponentType)
        is TypeVariable<*> -> t.bounds.flatMap { forbidden(it) }
        else -> emptyList()
    }

    /** A generated record or enum: no Rust handle to free, not a listener, not an exception. */
    private fun isPlainValue(c: Class<*>): Boolean =
        !c.isInterface &&
            !Throwable::class.java.isAssignableFrom(c) &&
            !AutoCloseable::class.java.isAssignableFrom(c) &&
            c.interfaces.none { it.simpleName == "Disposable" }
}
