using System.Runtime.InteropServices;

namespace Berth.Engine.Images;

/// <summary>The host platform as image configs and indexes name it.</summary>
public static class ImagePlatform
{
    /// <summary>GOARCH of this host, the value of a config's "architecture" (with variant for 32-bit arm).</summary>
    public static (string Architecture, string? Variant) HostArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => ("amd64", null),
        Architecture.Arm64 => ("arm64", null),
        Architecture.Arm => ("arm", "v7"),
        Architecture.X86 => ("386", null),
        Architecture.S390x => ("s390x", null),
        Architecture.Ppc64le => ("ppc64le", null),
        Architecture.RiscV64 => ("riscv64", null),
        Architecture.LoongArch64 => ("loong64", null),
        var other => (other.ToString().ToLowerInvariant(), null),
    };
}
