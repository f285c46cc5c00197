using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Engine.Distribution.Manifests;
using Berth.Engine.Images.Archive;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

public sealed class PlatformSelectorTests
{
    private static OciIndex Index(params (string Os, string Arch, string? Variant, string Digest)[] entries) => new()
    {
        Manifests = entries.Select(e => new OciDescriptor
        {
            MediaType = MediaTypes.OciManifest,
            Digest = e.Digest,
            Platform = new OciPlatform { Os = e.Os, Architecture = e.Arch, Variant = e.Variant },
        }).ToList(),
    };

    [Fact]
    public void ChoosesTheMatchingArchitecture()
    {
        var index = Index(("linux", "arm64", "v8", "a"), ("linux", "amd64", null, "b"), ("unknown", "unknown", null, "attestation"));
        Assert.Equal("b", PlatformSelector.Select(index, new PlatformSpec("linux", "amd64", null)).Digest);
        Assert.Equal("a", PlatformSelector.Select(index, new PlatformSpec("linux", "arm64", null)).Digest);
    }

    [Fact]
    public void PrefersTheExactArmVariantThenFallsBackToOlderOnes()
    {
        var index = Index(("linux", "arm", "v6", "v6"), ("linux", "arm", "v7", "v7"));
        Assert.Equal("v7", PlatformSelector.Select(index, new PlatformSpec("linux", "arm", "v7")).Digest);
        Assert.Equal("v6", PlatformSelector.Select(Index(("linux", "arm", "v6", "v6")), new PlatformSpec("linux", "arm", "v7")).Digest);
        Assert.Throws<NotFoundException>(() => PlatformSelector.Select(Index(("linux", "arm", "v7", "v7")), new PlatformSpec("linux", "arm", "v6")));
    }

    [Fact]
    public void NoMatchIsDockersError()
    {
        var index = Index(("linux", "amd64", null, "b"));
        var error = Assert.Throws<NotFoundException>(() => PlatformSelector.Select(index, new PlatformSpec("linux", "s390x", null)));
        Assert.Equal("no matching manifest for linux/s390x in the manifest list entries", error.Message);
    }

    [Fact]
    public void Arm64V8IsArm64()
    {
        var index = Index(("linux", "arm64", null, "plain"));
        Assert.Equal("plain", PlatformSelector.Select(index, new PlatformSpec("linux", "arm64", "v8")).Digest);
    }
}
