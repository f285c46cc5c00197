using System.Runtime.InteropServices;
using System.Text;
using Berth.Core.Digests;

namespace Berth.Engine.Images;

/// <summary>OCI image-spec chain IDs and the host platform names images use.</summary>
public static class LayerChain
{
    /// <summary>ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256("ChainID(L0..Ln-1) DiffID(Ln)").</summary>
    public static Digest Next(Digest? parentChain, Digest diffId) =>
        parentChain is { } parent ? Digest.Compute(Encoding.ASCII.GetBytes($"{parent} {diffId}")) : diffId;

    /// <summary>The chain ID of every prefix of <paramref name="diffIds"/>, bottom first.</summary>
    public static IReadOnlyList<Digest> ChainIds(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        Digest? parent = null;
        foreach (var diffId in diffIds)
        {
            parent = Next(parent, diffId);
            result.Add(parent.Value);
        }
        return result;
    }

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
