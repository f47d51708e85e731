// The Android shell: one app module, this folder. Not built by CI (no Android SDK or Google Maven
// there); android/scripts/test type-checks its Kotlin sources with Maven instead. See
// android/README.md for the steps on a machine with the SDK.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // groundwork-kotlin, installed by `mvn -f android/groundwork-kotlin/pom.xml install`
        // (see android/README.md).
        mavenLocal()
    }
}

rootProject.name = "groundwork-android"
