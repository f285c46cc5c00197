using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Oci;
using Berth.Engine.Distribution.Manifests;
using Berth.Engine.Distribution.Progress;
using Berth.Engine.Distribution.Push;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

public sealed class ProgressAndManifestTests
{
    private sealed class ListSink : IProgressSink
    {
        public List<ProgressUpdate> Updates { get; } = [];

        public ValueTask ReportAsync(ProgressUpdate update, CancellationToken cancellationToken)
        {
            Updates.Add(update);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task PumpKeepsOrderAndThrottlesCounts()
    {
        var sink = new ListSink();
        await using (var pump = new ProgressPump(sink, default))
        {
            pump.Post(ProgressUpdate.Layer("abc", "Pulling fs layer"));
            for (var i = 1; i <= 1000; i++) pump.PostCount("abc", "Downloading", i, 1000, final: i == 1000);
            pump.Post(ProgressUpdate.Layer("abc", "Download complete"));
            await pump.FlushAsync();
        }
        Assert.Equal("Pulling fs layer", sink.Updates[0].Status);
        Assert.Equal("Download complete", sink.Updates[^1].Status);
        var counts = sink.Updates.Where(u => u.Status == "Downloading").ToList();
        Assert.InRange(counts.Count, 1, 20);
        Assert.Equal(1000, counts[^1].Current);
        Assert.All(sink.Updates, u => Assert.True(u.HasDetail));
    }

    [Fact]
    public void LayerIdsAreTwelveHex()
    {
        var digest = Digest.Compute("x"u8);
        Assert.Equal(digest.Hex[..12], ProgressIds.Of(digest));
        Assert.False(ProgressUpdate.Summary("Digest: x").HasDetail);
    }

    [Fact]
    public void Schema2ManifestListsConfigAndGzipLayers()
    {
        var config = Digest.Compute("config"u8);
        var layer = Digest.Compute("layer"u8);
        var bytes = ImagePusher.Schema2Manifest(config, 6, [new PushBlob(layer, 5, "gzip")]);
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", root.GetProperty("mediaType").GetString());
        Assert.Equal(config.ToString(), root.GetProperty("config").GetProperty("digest").GetString());
        Assert.Equal("application/vnd.docker.container.image.v1+json", root.GetProperty("config").GetProperty("mediaType").GetString());
        var only = Assert.Single(root.GetProperty("layers").EnumerateArray().ToList());
        Assert.Equal("application/vnd.docker.image.rootfs.diff.tar.gzip", only.GetProperty("mediaType").GetString());
        Assert.Equal(5, only.GetProperty("size").GetInt64());
    }

    // A pushed manifest is content-addressed: these bytes (dockerd's three-space indent, and the
    // writer's escaping of '+') are its digest, so they must not change when the model moves.
    [Fact]
    public void Schema2ManifestBytesAreStable()
    {
        var config = Digest.Parse("sha256:" + new string('c', 64));
        var gzip = Digest.Parse("sha256:" + new string('a', 64));
        var zstd = Digest.Parse("sha256:" + new string('b', 64));
        var bytes = ImagePusher.Schema2Manifest(config, 6, [new PushBlob(gzip, 5, "gzip"), new PushBlob(zstd, 7, "zstd")]);
        var expected = $$"""
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2\u002Bjson",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1\u002Bjson",
                  "size": 6,
                  "digest": "{{config}}"
               },
               "layers": [
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 5,
                     "digest": "{{gzip}}"
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.zstd",
                     "size": 7,
                     "digest": "{{zstd}}"
                  }
               ]
            }
            """;
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData(MediaTypes.DockerManifest, "gzip", MediaTypes.DockerLayerGzip)]
    [InlineData(MediaTypes.DockerManifest, "none", MediaTypes.DockerLayerGzip)]
    [InlineData(MediaTypes.DockerManifest, "zstd", MediaTypes.DockerLayerZstd)]
    [InlineData(MediaTypes.OciManifest, "gzip", MediaTypes.OciLayerGzip)]
    [InlineData(MediaTypes.OciManifest, "zstd", MediaTypes.OciLayerZstd)]
    [InlineData(MediaTypes.OciManifest, "none", MediaTypes.OciLayer)]
    public void LayerMediaTypeFollowsManifestAndCompression(string manifestType, string compression, string expected) =>
        Assert.Equal(expected, LayerMediaTypes.For(manifestType, compression));
}
