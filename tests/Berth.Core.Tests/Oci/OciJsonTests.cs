using System.Text.Json;
using Berth.Core.Oci;
using Xunit;

namespace Berth.Core.Tests.Oci;

public sealed class OciJsonTests
{
    // berth-registry's referrers answer was a record of its own (ReferrersIndex/ReferrerDescriptor) before
    // it became an OciIndex: these are the bytes that record wrote, which must not change.
    [Fact]
    public void ReferrersIndex_IsWrittenAsBefore()
    {
        var index = new OciIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                new OciDescriptor { MediaType = MediaTypes.OciManifest, Digest = "sha256:00", Size = 123 },
                new OciDescriptor
                {
                    MediaType = MediaTypes.OciIndex, Digest = "sha256:01", Size = 7, ArtifactType = "application/vnd.example+type",
                    Annotations = new() { ["k"] = "v<é>", ["org.opencontainers.image.created"] = "2026" },
                },
            ],
        };
        Assert.Equal(
            """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1\u002Bjson","manifests":["""
            + """{"mediaType":"application/vnd.oci.image.manifest.v1\u002Bjson","digest":"sha256:00","size":123},"""
            + """{"mediaType":"application/vnd.oci.image.index.v1\u002Bjson","digest":"sha256:01","size":7,"artifactType":"application/vnd.example\u002Btype","annotations":{"k":"v\u003C\u00E9\u003E","org.opencontainers.image.created":"2026"}}]}""",
            TestJson.Write(index, OciJsonContext.Default.OciIndex));
        Assert.Equal("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1\u002Bjson","manifests":[]}""",
            TestJson.Write(new OciIndex { MediaType = MediaTypes.OciIndex }, OciJsonContext.Default.OciIndex));
    }

    [Fact]
    public void Manifest_ReadsDockerAndOciCaseInsensitively()
    {
        var manifest = JsonSerializer.Deserialize("""
            {"SchemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:aa","size":1469},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"sha256:bb","size":2,"urls":["https://x"]}]}
            """, OciJsonContext.Default.OciManifest)!;
        Assert.Equal(2, manifest.SchemaVersion);
        Assert.True(MediaTypes.IsImageManifest(manifest.MediaType));
        Assert.Equal(MediaTypes.DockerConfig, manifest.Config.MediaType);
        Assert.Equal(1469, manifest.Config.Size);
        Assert.Equal(MediaTypes.DockerLayerGzip, Assert.Single(manifest.Layers).MediaType);
    }

    [Fact]
    public void Index_ReadsPlatforms()
    {
        var index = JsonSerializer.Deserialize("""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
             {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:cc","size":5,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}
            """, OciJsonContext.Default.OciIndex)!;
        Assert.True(MediaTypes.IsIndex(index.MediaType));
        var platform = Assert.Single(index.Manifests).Platform!;
        Assert.Equal(("linux", "arm", "v7"), (platform.Os, platform.Architecture, platform.Variant));
    }

    [Theory]
    [InlineData(MediaTypes.OciIndex, true, false)]
    [InlineData(MediaTypes.DockerManifestList, true, false)]
    [InlineData(MediaTypes.OciManifest, false, true)]
    [InlineData(MediaTypes.DockerManifest, false, true)]
    [InlineData(MediaTypes.DockerSchema1Signed, false, false)]
    [InlineData(null, false, false)]
    public void MediaTypes_SayWhatADocumentIs(string? mediaType, bool index, bool manifest)
    {
        Assert.Equal(index, MediaTypes.IsIndex(mediaType));
        Assert.Equal(manifest, MediaTypes.IsImageManifest(mediaType));
    }
}
