using Berth.Core.Errors;
using Berth.Core.Oci;

namespace Berth.Engine.Distribution.Manifests;

/// <summary>An OS/architecture/variant triple as image indexes and configs name it.</summary>
public sealed record PlatformSpec(string Os, string Architecture, string? Variant)
{
    /// <summary>docker's form: linux/amd64, linux/arm/v7.</summary>
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}

/// <summary>
/// Chooses the manifest of one platform from a manifest list or OCI index, as dockerd does through
/// containerd's platform matcher: the OS and architecture must be equal; an exact variant wins, then
/// an entry without a variant, then (for arm) the newest lower variant the platform can run.
/// </summary>
public static class PlatformSelector
{
    public static OciDescriptor Select(OciIndex index, PlatformSpec wanted)
    {
        OciDescriptor? best = null;
        var bestScore = -1;
        foreach (var entry in index.Manifests)
        {
            if (entry.Platform is not { } p) continue;
            if (!p.Os.Equals(wanted.Os, StringComparison.OrdinalIgnoreCase)) continue;
            if (!p.Architecture.Equals(Normalize(wanted.Architecture), StringComparison.OrdinalIgnoreCase)) continue;
            var score = VariantScore(wanted.Architecture, wanted.Variant, NormalizeVariant(p.Architecture, p.Variant));
            if (score > bestScore)
            {
                best = entry;
                bestScore = score;
            }
        }
        return best ?? throw new NotFoundException($"no matching manifest for {wanted} in the manifest list entries");
    }

    /// <summary>Higher is better; negative is no match.</summary>
    private static int VariantScore(string architecture, string? wanted, string? offered)
    {
        wanted = NormalizeVariant(architecture, wanted);
        if (wanted == offered) return 100;
        if (wanted is null) return offered is null ? 100 : 50;
        if (offered is null) return 60;
        // arm/v7 can run v6 and v5 images (containerd's platforms.Only).
        if (architecture == "arm" && wanted.Length == 2 && offered.Length == 2 && wanted[0] == 'v' && offered[0] == 'v' && offered[1] < wanted[1])
            return 10 + offered[1] - '0';
        return -1;
    }

    private static string Normalize(string architecture) => architecture switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" => "386",
        _ => architecture,
    };

    /// <summary>arm64's only variant is v8, so "arm64/v8" and "arm64" are the same platform.</summary>
    private static string? NormalizeVariant(string architecture, string? variant) =>
        string.IsNullOrEmpty(variant) || (Normalize(architecture) == "arm64" && variant == "v8") ? null : variant;
}
