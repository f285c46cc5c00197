using System.Net;
using System.Text;
using Berth.Registry.Hosting;
using Berth.Registry.Storage;
using Berth.Registry.Tests.Conformance;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary><c>berth-registry garbage-collect</c>: mark from every revision, sweep content/ (each test on its own registry).</summary>
public sealed class GarbageCollectTests
{
    private const string LayerType = TestData.LayerType;

    private static async Task<T> WithRegistryAsync<T>(Func<DeletingRegistryFixture, OciClient, Task<T>> test)
    {
        var fixture = new DeletingRegistryFixture();
        await fixture.InitializeAsync();
        try
        {
            return await test(fixture, new OciClient(fixture.Client));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static byte[] Blob(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Image(byte[] config, params byte[][] layers) => Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","config":{{TestData.Descriptor(TestData.ConfigType, config)}},"layers":[{{string.Join(",", layers.Select(l => TestData.Descriptor(LayerType, l)))}}]}""");

    private static HashSet<string> ContentBlobs(RegistryFixture fixture) =>
        Directory.GetFiles(Path.Combine(fixture.Root, "content", "blobs", "sha256")).Select(f => "sha256:" + Path.GetFileName(f)).ToHashSet();

    private static async Task<(int Code, string Output)> CollectAsync(RegistryFixture fixture, params string[] flags)
    {
        var output = new StringWriter();
        var code = await GarbageCollectCommand.RunAsync(["--root", fixture.Root, .. flags], output, TextWriter.Null);
        return (code, output.ToString());
    }

    [Fact]
    public Task SweepsExactlyWhatNothingReferences() => WithRegistryAsync(async (fixture, oci) =>
    {
        const string name = "gc/app";
        byte[] config1 = Blob("{\"c\":1}"), config2 = Blob("{\"c\":2}"), shared = Blob("shared layer"), only1 = Blob("layer of image 1");
        foreach (var blob in new[] { config1, config2, shared, only1 }) await oci.PushBlobAsync(name, blob);
        var image1 = Image(config1, shared, only1);
        var image2 = Image(config2, shared);
        await oci.PushManifestAsync(name, "one", image1);
        await oci.PushManifestAsync(name, "two", image2);
        // An upload nobody finished is not content and must survive.
        using var pending = await oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/");
        using var delete = await oci.DeleteAsync($"/v2/{name}/manifests/{TestData.Digest(image1)}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        var before = ContentBlobs(fixture);
        Assert.Equal(6, before.Count); // 4 blobs + 2 manifests
        string[] garbage = [TestData.Digest(config1), TestData.Digest(only1), TestData.Digest(image1)];

        var (dryCode, dryOutput) = await CollectAsync(fixture, "--dry-run");
        Assert.Equal(0, dryCode);
        Assert.Equal(before, ContentBlobs(fixture)); // dry run removes nothing
        foreach (var digest in garbage) Assert.Contains($"blob eligible for deletion: {digest}", dryOutput);
        Assert.Contains("3 blobs marked, 3 blobs and 0 manifests eligible for deletion, 0 stale uploads (dry run", dryOutput);

        var (code, output) = await CollectAsync(fixture);
        Assert.Equal(0, code);
        Assert.Equal(before.Except(garbage).ToHashSet(), ContentBlobs(fixture));
        Assert.Equal(3, before.Count - ContentBlobs(fixture).Count);
        Assert.Contains("3 blobs marked, 3 blobs and 0 manifests eligible for deletion, 0 stale uploads", output);

        // The surviving image is whole; the collected one is gone; the pending upload still works.
        using var manifest = await oci.GetAsync($"/v2/{name}/manifests/two");
        Assert.Equal(image2, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in new[] { config2, shared })
            Assert.Equal(blob, await fixture.Client.GetByteArrayAsync($"/v2/{name}/blobs/{TestData.Digest(blob)}"));
        using var collected = await oci.HeadAsync($"/v2/{name}/blobs/{TestData.Digest(only1)}");
        Assert.Equal(HttpStatusCode.NotFound, collected.StatusCode);
        using var status = await oci.GetAsync(OciClient.Location(pending));
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);

        Assert.Contains("0 blobs and 0 manifests", (await CollectAsync(fixture)).Output); // idempotent

        // An upload abandoned for longer than a week (a crashed client) is purged; a fresh one stays.
        var id = OciClient.Location(pending).Split('/')[^1];
        var uploadDir = Path.Combine(fixture.Root, "uploads", id);
        File.SetLastWriteTimeUtc(Path.Combine(uploadDir, "data"), DateTime.UtcNow - TimeSpan.FromDays(8));
        using var fresh = await oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/");
        var (_, dryUploads) = await CollectAsync(fixture, "--dry-run");
        Assert.Contains($"stale upload eligible for deletion: {id}", dryUploads);
        Assert.True(Directory.Exists(uploadDir));
        var (_, purged) = await CollectAsync(fixture);
        Assert.Contains("1 stale uploads", purged);
        Assert.False(Directory.Exists(uploadDir));
        using var freshStatus = await oci.GetAsync(OciClient.Location(fresh));
        Assert.Equal(HttpStatusCode.NoContent, freshStatus.StatusCode);
        return 0;
    });

    [Fact]
    public Task DeleteUntaggedKeepsIndexChildrenAndReferrers() => WithRegistryAsync(async (fixture, oci) =>
    {
        const string name = "gc/untagged";
        var set = ContentSets.Build("multi-platform-index");
        foreach (var blob in set.Blobs) await oci.PushBlobAsync(name, blob);
        foreach (var manifest in set.Manifests) await oci.PushManifestAsync(name, manifest.Tag ?? manifest.Digest, manifest.Bytes, manifest.MediaType);

        byte[] orphanConfig = Blob("{\"orphan\":true}"), orphanLayer = Blob("orphan layer");
        await oci.PushBlobAsync(name, orphanConfig);
        await oci.PushBlobAsync(name, orphanLayer);
        var orphan = Image(orphanConfig, orphanLayer);
        await oci.PushManifestAsync(name, TestData.Digest(orphan), orphan);

        var index = set.Manifests[2];
        var signature = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"application/vnd.example.signature","config":{{TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson)}},"layers":[{{TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson)}}],"subject":{"mediaType":"{{OciClient.OciIndex}}","digest":"{{index.Digest}}","size":{{index.Bytes.Length}}} }""");
        await oci.PushManifestAsync(name, TestData.Digest(signature), signature);

        var (_, dry) = await CollectAsync(fixture, "--delete-untagged", "--dry-run");
        Assert.Contains($"{name}: untagged manifest eligible for deletion: {TestData.Digest(orphan)}", dry);
        using (var stillThere = await oci.HeadAsync($"/v2/{name}/manifests/{TestData.Digest(orphan)}"))
            Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);

        var (_, output) = await CollectAsync(fixture, "--delete-untagged");
        Assert.Contains("3 blobs and 1 manifests eligible for deletion", output);
        using (var gone = await oci.HeadAsync($"/v2/{name}/manifests/{TestData.Digest(orphan)}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        foreach (var kept in set.Manifests.Select(m => m.Digest).Append(TestData.Digest(signature)))
        {
            using var head = await oci.HeadAsync($"/v2/{name}/manifests/{kept}");
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }
        var remaining = ContentBlobs(fixture);
        foreach (var blob in set.Blobs) Assert.Contains(TestData.Digest(blob), remaining);
        Assert.DoesNotContain(TestData.Digest(orphanLayer), remaining);
        return 0;
    });

    [Fact]
    public async Task CommandLine()
    {
        Assert.Equal(2, await GarbageCollectCommand.RunAsync(["--dry-run"], TextWriter.Null, TextWriter.Null)); // no --root
        Assert.Equal(2, await GarbageCollectCommand.RunAsync(["--root", "/nonexistent/berth", "--bogus"], TextWriter.Null, TextWriter.Null));
        Assert.Equal(2, await RegistryCommand.RunAsync(["garbage-collect", "--root", "/nonexistent/berth-registry-root"]));
        Assert.True(RegistryCommand.Parse(["serve", "--delete"]).DeleteEnabled);
        Assert.False(RegistryCommand.Parse(["serve"]).DeleteEnabled);
    }
}
