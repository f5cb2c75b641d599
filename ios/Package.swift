// swift-tools-version:5.9
// The Kipochi core for iOS: the XCFramework built by build-xcframework.sh plus the generated
// Swift bindings (copied into Sources/Kipochi by that script; git-ignored), and the app's
// SwiftUI sources. UNTESTED here: no Swift compiler on the project's Linux machines.
import PackageDescription

let package = Package(
    name: "Kipochi",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "Kipochi", targets: ["Kipochi"]),
        .library(name: "KipochiApp", targets: ["KipochiApp"]),
    ],
    targets: [
        .binaryTarget(name: "KipochiFFI", path: "build/KipochiFFI.xcframework"),
        .target(name: "Kipochi", dependencies: ["KipochiFFI"]),
        .target(name: "KipochiApp", dependencies: ["Kipochi"]),
    ]
)
