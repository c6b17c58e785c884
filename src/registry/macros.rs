//! `omni_test!`: registration with a pytest-like look.
//!
//! ```ignore
//! omni_test! {
//!     /// Text in, text and audio out.
//!     /// Deploy Setting: default yaml
//!     #[levels(core_model, advanced_model)]
//!     #[markers(omni)]
//!     #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
//!     #[scenarios(DEFAULT)]
//!     fn test_text_to_text_audio_001(server: &Server, client: &Client) -> TestResult { … }
//! }
//! ```
//!
//! Attributes may come in any order; `#[levels]` is required, and so is `#[hardware]` or the
//! `cpu` marker. `#[needs(real_asr)]` names what the test needs from the backend at every level;
//! `#[deep_needs(real_model)]` what only its deep validation (advanced_model, full_model) needs,
//! so that the same test still runs its structural checks at core_model on the mock. Unknown levels, markers, platforms, resources and capabilities are compile
//! errors that list the valid names. Each test also gets an inert `#[test]` twin at the same
//! path so that editors show a "Run Test" lens; omnitest's harness runs the registered body.

/// Registers one or more tests. See the [module documentation](crate::registry) for the syntax.
#[macro_export]
macro_rules! omni_test {
    // Each function is parsed by its own expansion, side by side, so a file of many tests does
    // not nest expansions past the recursion limit.
    ($( $(#[$($attr:tt)*])* fn $name:ident ($($params:tt)*) $(-> $ret:ty)? $body:block )*) => {
        $(
            $crate::__omni_test_parse! {
                [] [] [] [] [] [] [] [] ; $(#[$($attr)*])* fn $name ($($params)*) ($($ret)?) $body
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_test_parse {
    // Accumulators: [docs] [levels] [markers] [hardware] [scenarios] [needs] [deep needs] [other attributes].
    ([$($doc:tt)*] $l:tt $m:tt $h:tt $s:tt $n:tt $dn:tt $o:tt ; #[doc = $d:literal] $($rest:tt)*) => {
        $crate::__omni_test_parse! { [$($doc)* $d] $l $m $h $s $n $dn $o ; $($rest)* }
    };
    ($doc:tt [] $m:tt $h:tt $s:tt $n:tt $dn:tt $o:tt ; #[levels($($level:ident),* $(,)?)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc [$($level)* ,] $m $h $s $n $dn $o ; $($rest)* }
    };
    ($doc:tt [$($l:tt)+] $m:tt $h:tt $s:tt $n:tt $dn:tt $o:tt ; #[levels $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[levels(...)] is given twice");
    };
    ($doc:tt $l:tt [] $h:tt $s:tt $n:tt $dn:tt $o:tt ; #[markers($($marker:ident),* $(,)?)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l [$($marker)* ,] $h $s $n $dn $o ; $($rest)* }
    };
    ($doc:tt $l:tt [$($m:tt)+] $h:tt $s:tt $n:tt $dn:tt $o:tt ; #[markers $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[markers(...)] is given twice");
    };
    ($doc:tt $l:tt $m:tt [] $s:tt $n:tt $dn:tt $o:tt ; #[hardware($($hw:tt)*)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l $m [($($hw)*)] $s $n $dn $o ; $($rest)* }
    };
    ($doc:tt $l:tt $m:tt [$($h:tt)+] $s:tt $n:tt $dn:tt $o:tt ; #[hardware $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[hardware(...)] is given twice");
    };
    ($doc:tt $l:tt $m:tt $h:tt [] $n:tt $dn:tt $o:tt ; #[scenarios($($scenario:path),+ $(,)?)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l $m $h [$($scenario)+] $n $dn $o ; $($rest)* }
    };
    ($doc:tt $l:tt $m:tt $h:tt [$($s:tt)+] $n:tt $dn:tt $o:tt ; #[scenarios $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[scenarios(...)] is given twice");
    };
    ($doc:tt $l:tt $m:tt $h:tt $s:tt [] $dn:tt $o:tt ; #[needs($($need:ident),* $(,)?)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l $m $h $s [$($need)* ,] $dn $o ; $($rest)* }
    };
    ($doc:tt $l:tt $m:tt $h:tt $s:tt [$($n:tt)+] $dn:tt $o:tt ; #[needs $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[needs(...)] is given twice");
    };
    ($doc:tt $l:tt $m:tt $h:tt $s:tt $n:tt [] $o:tt ; #[deep_needs($($need:ident),* $(,)?)] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l $m $h $s $n [$($need)* ,] $o ; $($rest)* }
    };
    ($doc:tt $l:tt $m:tt $h:tt $s:tt $n:tt [$($dn:tt)+] $o:tt ; #[deep_needs $($dup:tt)*] $($rest:tt)*) => {
        ::core::compile_error!("#[deep_needs(...)] is given twice");
    };
    ($doc:tt $l:tt $m:tt $h:tt $s:tt $n:tt $dn:tt [$($o:tt)*] ; #[$attr:meta] $($rest:tt)*) => {
        $crate::__omni_test_parse! { $doc $l $m $h $s $n $dn [$($o)* #[$attr]] ; $($rest)* }
    };
    ($doc:tt [] $m:tt $h:tt $s:tt $n:tt $dn:tt $o:tt ; fn $name:ident $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "test `", ::core::stringify!($name),
            "` has no #[levels(...)]: add #[levels(core_model)] (or advanced_model, full_model)"
        ));
    };
    ([$($doc:literal)*] [$($level:ident)* ,] [$($marker:ident)* $(,)?] [$($hw:tt)?] [$($scenario:path)*] [$($need:ident)* $(,)?] [$($deep_need:ident)* $(,)?] [$($attr:tt)*] ;
        fn $name:ident ($($params:tt)*) ($($ret:ty)?) $body:block) => {
        const _: () = {
            $(#[doc = $doc])*
            $($attr)*
            fn $name($($params)*) $(-> $ret)? $body

            fn __omnitest_registered_body(ctx: &$crate::TestContext) -> $crate::TestResult {
                $crate::registry::invoke($name, ctx)
            }

            const __OMNITEST_HARDWARE: ::core::option::Option<$crate::registry::Hardware> =
                $crate::__omni_hardware!($($hw)?);
            const __OMNITEST_MARKERS: &[$crate::registry::Marker] = &[$($crate::__omni_marker!($marker)),*];
            const __OMNITEST_CPU_OR_HARDWARE: () = $crate::registry::require_cpu_or_hardware(
                __OMNITEST_MARKERS,
                __OMNITEST_HARDWARE.is_some(),
                ::core::concat!(
                    "test `", ::core::stringify!($name), "` has neither #[hardware(...)] nor the `cpu` marker: \
                     add #[hardware(cuda = \"L4\")] (or another platform) or #[markers(cpu)]"
                ),
            );
            let () = __OMNITEST_CPU_OR_HARDWARE;

            $crate::__private::inventory::submit! {
                $crate::registry::TestDef {
                    name: ::core::stringify!($name),
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    doc: ::core::concat!($($doc, "\n",)*),
                    levels: &[$($crate::__omni_level!($level)),*],
                    markers: __OMNITEST_MARKERS,
                    hardware: __OMNITEST_HARDWARE,
                    scenarios: &[$($crate::registry::ScenarioEntry {
                        name: ::core::stringify!($scenario),
                        scenario: &$scenario,
                    }),*],
                    needs: &[$($crate::__omni_capability!($need)),*],
                    deep_needs: &[$($crate::__omni_capability!($deep_need)),*],
                    body: __omnitest_registered_body,
                }
            }
        };

        // The editor's "Run Test" lens: rust-analyzer runs `<path> --exact`, which omnitest
        // resolves to every scenario of this test. Without `--test`, rustc never builds it.
        $(#[doc = $doc])*
        #[test]
        fn $name() {}
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_level {
    (core_model) => {
        $crate::registry::Level::CoreModel
    };
    (advanced_model) => {
        $crate::registry::Level::AdvancedModel
    };
    (full_model) => {
        $crate::registry::Level::FullModel
    };
    ($other:ident) => {
        ::core::compile_error!(::core::concat!(
            "unknown level `",
            ::core::stringify!($other),
            "` (valid levels: core_model, advanced_model, full_model)"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_marker {
    (diffusion) => {
        $crate::registry::Marker::Diffusion
    };
    (omni) => {
        $crate::registry::Marker::Omni
    };
    (tts) => {
        $crate::registry::Marker::Tts
    };
    (cache) => {
        $crate::registry::Marker::Cache
    };
    (parallel) => {
        $crate::registry::Marker::Parallel
    };
    (sp) => {
        $crate::registry::Marker::Sp
    };
    (example) => {
        $crate::registry::Marker::Example
    };
    (benchmark) => {
        $crate::registry::Marker::Benchmark
    };
    (cpu) => {
        $crate::registry::Marker::Cpu
    };
    (slow) => {
        $crate::registry::Marker::Slow
    };
    (core_model) => {
        ::core::compile_error!("`core_model` is a level: write it in #[levels(...)]")
    };
    (advanced_model) => {
        ::core::compile_error!("`advanced_model` is a level: write it in #[levels(...)]")
    };
    (full_model) => {
        ::core::compile_error!("`full_model` is a level: write it in #[levels(...)]")
    };
    ($derived:ident) => {
        $crate::__omni_derived_marker!($derived)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_derived_marker {
    (gpu) => {
        $crate::__omni_hardware_hint!(gpu)
    };
    (cuda) => {
        $crate::__omni_hardware_hint!(cuda)
    };
    (rocm) => {
        $crate::__omni_hardware_hint!(rocm)
    };
    (xpu) => {
        $crate::__omni_hardware_hint!(xpu)
    };
    (npu) => {
        $crate::__omni_hardware_hint!(npu)
    };
    (musa) => {
        $crate::__omni_hardware_hint!(musa)
    };
    (H100) => {
        $crate::__omni_hardware_hint!(H100)
    };
    (L4) => {
        $crate::__omni_hardware_hint!(L4)
    };
    (MI325) => {
        $crate::__omni_hardware_hint!(MI325)
    };
    (B60) => {
        $crate::__omni_hardware_hint!(B60)
    };
    (S5000) => {
        $crate::__omni_hardware_hint!(S5000)
    };
    (A2) => {
        $crate::__omni_hardware_hint!(A2)
    };
    (A3) => {
        $crate::__omni_hardware_hint!(A3)
    };
    ($other:ident) => {
        ::core::compile_error!(::core::concat!(
            "unknown marker `",
            ::core::stringify!($other),
            "` (markers a test declares: diffusion, omni, tts, cache, parallel, sp, example, benchmark, cpu, slow)"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_hardware_hint {
    ($m:ident) => {
        ::core::compile_error!(::core::concat!(
            "marker `",
            ::core::stringify!($m),
            "` is derived from the hardware requirement: write #[hardware(cuda = \"H100\", cards = 1)] instead"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_capability {
    (real_model) => {
        $crate::registry::Capability::RealModel
    };
    (real_asr) => {
        $crate::registry::Capability::RealAsr
    };
    (transcription) => {
        $crate::registry::Capability::Transcription
    };
    (local_process) => {
        $crate::registry::Capability::LocalProcess
    };
    (gpu_memory) => {
        $crate::registry::Capability::GpuMemory
    };
    ($other:ident) => {
        ::core::compile_error!(::core::concat!(
            "unknown capability `",
            ::core::stringify!($other),
            "` (valid: real_model, real_asr, transcription, local_process, gpu_memory)"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __omni_platform {
    (cuda) => {
        $crate::registry::Platform::Cuda
    };
    (rocm) => {
        $crate::registry::Platform::Rocm
    };
    (xpu) => {
        $crate::registry::Platform::Xpu
    };
    (npu) => {
        $crate::registry::Platform::Npu
    };
    (musa) => {
        $crate::registry::Platform::Musa
    };
    ($other:ident) => {
        ::core::compile_error!(::core::concat!(
            "unknown platform `",
            ::core::stringify!($other),
            "` (valid: cuda, rocm, xpu, npu, musa)"
        ))
    };
}

/// `#[hardware(cuda = "H100", rocm = "MI325", cards = 2)]` or `cards = { cuda: 2, rocm: 1 }`.
#[doc(hidden)]
#[macro_export]
macro_rules! __omni_hardware {
    () => { ::core::option::Option::None };
    (($($spec:tt)*)) => { $crate::__omni_hardware!(@acc [] ($crate::registry::Cards::Uniform(1)) ; $($spec)*) };
    (@acc [$($res:tt)*] $cards:tt ; ) => {
        ::core::option::Option::Some($crate::registry::Hardware { resources: &[$($res)*], cards: $cards }.checked())
    };
    (@acc $res:tt $cards:tt ; cards = { $($p:ident : $n:literal),* $(,)? } $(, $($rest:tt)*)?) => {
        $crate::__omni_hardware!(@acc $res
            ($crate::registry::Cards::PerPlatform(&[$(($crate::__omni_platform!($p), $n)),*])) ; $($($rest)*)?)
    };
    (@acc $res:tt $cards:tt ; cards = $n:literal $(, $($rest:tt)*)?) => {
        $crate::__omni_hardware!(@acc $res ($crate::registry::Cards::Uniform($n)) ; $($($rest)*)?)
    };
    (@acc [$($res:tt)*] $cards:tt ; $p:ident = $r:literal $(, $($rest:tt)*)?) => {
        $crate::__omni_hardware!(@acc [$($res)* (
            $crate::__omni_platform!($p),
            $crate::registry::Resource::expect_on($crate::__omni_platform!($p), $r)
        ),] $cards ; $($($rest)*)?)
    };
    (@acc $res:tt $cards:tt ; $($other:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "#[hardware] expects `platform = \"RESOURCE\"` pairs and an optional `cards = N` \
             or `cards = { platform: N }`, found: ", ::core::stringify!($($other)+)
        ))
    };
}
