// swift-tools-version:5.9
// Groundwork for Swift: an idiomatic API (`Groundwork`) over the bindings uniffi generates from the
// Rust facade (`GroundworkUniffi`), which call the static library in `GroundworkUniffiFFI`.
//
// The generated Swift file and the XCFramework are build products, never committed:
// `ios/scripts/build-xcframework` (macOS with Xcode) writes
//   build/GroundworkUniffiFFI.xcframework            the Rust library per platform + C header + module map
//   Sources/GroundworkUniffi/GroundworkUniffi.swift  the generated bindings
// Run it before `swift build`, `swift test` or opening App/ in Xcode.
import PackageDescription

let package = Package(
    name: "Groundwork",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        // Only the idiomatic API is a product: apps never see the generated types, so the
        // generator can change without touching app code.
        .library(name: "Groundwork", targets: ["Groundwork"]),
    ],
    targets: [
        .binaryTarget(name: "GroundworkUniffiFFI", path: "build/GroundworkUniffiFFI.xcframework"),
        .target(
            name: "GroundworkUniffi",
            dependencies: ["GroundworkUniffiFFI"],
            path: "Sources/GroundworkUniffi"
        ),
        .target(name: "Groundwork", dependencies: ["GroundworkUniffi"], path: "Sources/Groundwork"),
        .testTarget(name: "GroundworkTests", dependencies: ["Groundwork"], path: "Tests/GroundworkTests"),
    ]
)
