// The Groundwork Android app: framework Views built in code (no XML layouts, no R class, no
// AndroidX), on the groundwork-kotlin library. The Rust library comes from
// scripts/build-rust-android (cargo-ndk) into src/main/jniLibs.
plugins {
    id("com.android.application") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.0"
}

android {
    namespace = "org.groundwork.app"
    compileSdk = 34

    defaultConfig {
        applicationId = "org.groundwork.app"
        // 28: java.lang.ref.Cleaner is absent before 33, and the generated code then falls back
        // to JNA's cleaner; the Keystore's AES-GCM keys need 23.
        minSdk = 28
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            // JNA and the generated bindings are reached by reflection and by name from native code.
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }

    // The Rust library per ABI (libgroundwork_ffi.so), from scripts/build-rust-android.
    sourceSets["main"].jniLibs.srcDirs("src/main/jniLibs")
    // No resources of our own: every view is built in code.
    buildFeatures { buildConfig = false; resValues = false }
}

dependencies {
    implementation("org.groundwork:groundwork-kotlin:0.1.0-SNAPSHOT") {
        // The JVM jar of JNA carries desktop native libraries; Android takes JNA's aar below.
        exclude(group = "net.java.dev.jna", module = "jna")
    }
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
    // Dispatchers.Main on Android's main looper.
    runtimeOnly("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}
