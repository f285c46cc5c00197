using System.Net;
using System.Text.Json;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist Appendix A: content sets, manifest PUT/HEAD/GET, tag list, referrers, deletion, manifest errors.</summary>
public sealed class AppendixManifestTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private readonly OciClient _oci = new(fixture.Client);
    private static readonly (string, string) AcceptBoth = ("Accept", $"{OciClient.OciIndex}, {OciClient.OciManifest}");

    public static TheoryData<string> SetNames() => new(ContentSets.Names);

    [Theory]
    [MemberData(nameof(SetNames))]
    public async Task A_ContentSet_PushListGetReferrersDelete(string setName)
    {
        var set = ContentSets.Build(setName);
        var name = "appendix/" + setName;
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync(name, blob);

        foreach (var manifest in set.Manifests)
        {
            using var put = await _oci.PutManifestAsync(name, manifest.Digest, manifest.Bytes, manifest.MediaType);
            Assert.True(put.StatusCode == HttpStatusCode.Created, $"{manifest.Label}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            Assert.Equal(manifest.Digest, OciClient.Header(put, "Docker-Content-Digest"));
            Assert.Equal(manifest.Subject, OciClient.Header(put, "OCI-Subject"));
            using var byLocation = await _oci.GetAsync(OciClient.Location(put), AcceptBoth);
            await AssertManifestAsync(byLocation, manifest, head: false);
            if (manifest.Tag is { } tag)
            {
                using var tagged = await _oci.PutManifestAsync(name, tag, manifest.Bytes, manifest.MediaType);
                Assert.Equal(HttpStatusCode.Created, tagged.StatusCode);
            }
        }

        using (var tags = await _oci.GetAsync($"/v2/{name}/tags/list"))
        {
            var listed = await tags.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            foreach (var tag in set.Manifests.Select(m => m.Tag).OfType<string>()) Assert.Contains($"\"{tag}\"", listed);
        }

        foreach (var manifest in set.Manifests)
        {
            foreach (var reference in new[] { manifest.Digest, manifest.Tag }.OfType<string>())
            {
                using var head = await _oci.HeadAsync($"/v2/{name}/manifests/{reference}", AcceptBoth);
                await AssertManifestAsync(head, manifest, head: true);
                using var get = await _oci.GetAsync($"/v2/{name}/manifests/{reference}", AcceptBoth);
                await AssertManifestAsync(get, manifest, head: false);
            }
        }

        foreach (var referrer in set.Manifests.Where(m => m.Subject is not null))
        {
            using var response = await _oci.GetAsync($"/v2/{name}/referrers/{referrer.Subject}");
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            var descriptor = Assert.Single(document.RootElement.GetProperty("manifests").EnumerateArray());
            Assert.Equal(referrer.Digest, descriptor.GetProperty("digest").GetString());
            Assert.Equal(referrer.MediaType, descriptor.GetProperty("mediaType").GetString());
            Assert.Equal(referrer.Bytes.Length, descriptor.GetProperty("size").GetInt64());
            Assert.Equal(referrer.ArtifactType, descriptor.GetProperty("artifactType").GetString());
            using var filtered = await _oci.GetAsync($"/v2/{name}/referrers/{referrer.Subject}?artifactType={referrer.ArtifactType}");
            Assert.Contains("artifactType", OciClient.Header(filtered, "OCI-Filters-Applied"));
            Assert.Contains(referrer.Digest, await filtered.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            using var other = await _oci.GetAsync($"/v2/{name}/referrers/{referrer.Subject}?artifactType=application/vnd.none");
            Assert.DoesNotContain(referrer.Digest, await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        foreach (var tag in set.Manifests.Select(m => m.Tag).OfType<string>().Distinct())
        {
            using var delete = await _oci.DeleteAsync($"/v2/{name}/manifests/{tag}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
            using var head = await _oci.HeadAsync($"/v2/{name}/manifests/{tag}");
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }
        foreach (var manifest in Enumerable.Reverse(set.Manifests))
        {
            using var delete = await _oci.DeleteAsync($"/v2/{name}/manifests/{manifest.Digest}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
            using var head = await _oci.HeadAsync($"/v2/{name}/manifests/{manifest.Digest}");
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }
        foreach (var blob in set.Blobs)
        {
            using var delete = await _oci.DeleteAsync($"/v2/{name}/blobs/{TestData.Digest(blob)}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
    }

    private static async Task AssertManifestAsync(HttpResponseMessage response, SetManifest manifest, bool head)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(manifest.MediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(manifest.Bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal(manifest.Digest, OciClient.Header(response, "Docker-Content-Digest"));
        Assert.Equal($"\"{manifest.Digest}\"", response.Headers.ETag!.Tag);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (head) Assert.Empty(body);
        else Assert.Equal(manifest.Bytes, body);
    }

    [Fact]
    public async Task A_TagParameters_PushByDigestWithTags()
    {
        var set = ContentSets.Build("image-gzip");
        const string name = "appendix/tag-params";
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync(name, blob);
        var manifest = set.Manifests[0];
        using var put = await _oci.SendAsync(HttpMethod.Put, $"/v2/{name}/manifests/{manifest.Digest}?tag=a&tag=b", manifest.Bytes, manifest.MediaType);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(["a", "b"], put.Headers.GetValues("OCI-Tag").SelectMany(v => v.Split(',')).Select(v => v.Trim()).Order());
        foreach (var tag in new[] { "a", "b" })
        {
            using var head = await _oci.HeadAsync($"/v2/{name}/manifests/{tag}");
            Assert.Equal(manifest.Digest, OciClient.Header(head, "Docker-Content-Digest"));
        }
        using var bad = await _oci.SendAsync(HttpMethod.Put, $"/v2/{name}/manifests/{manifest.Digest}?tag=-bad", manifest.Bytes, manifest.MediaType);
        Assert.Equal("TAG_INVALID", await OciClient.ErrorCodeAsync(bad));
    }

    [Fact]
    public async Task A_TagList_LastReturnsEverythingAfter()
    {
        var set = ContentSets.Build("image-gzip");
        const string name = "appendix/tag-list";
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync(name, blob);
        string[] tags = ["b1", "A2", "a3", "Z4", "z5", "09", "_x"];
        foreach (var tag in tags) await _oci.PushManifestAsync(name, tag, set.Manifests[0].Bytes);
        var sorted = tags.Order(StringComparer.Ordinal).ToList();
        var last = sorted[sorted.Count / 2];
        using var response = await _oci.GetAsync($"/v2/{name}/tags/list?last={last}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var after = document.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(sorted.Where(t => string.CompareOrdinal(t, last) > 0), after);
    }

    [Fact]
    public async Task A_ManifestErrors()
    {
        const string name = "appendix/errors";
        var set = ContentSets.Build("image-gzip");
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync(name, blob);
        var manifest = set.Manifests[0];

        using var randomDigest = await _oci.GetAsync($"/v2/{name}/manifests/{TestData.Digest(TestData.Bytes(new Random(1), 9))}");
        Assert.Equal(HttpStatusCode.NotFound, randomDigest.StatusCode);
        using var randomTag = await _oci.GetAsync($"/v2/{name}/manifests/no-such-tag");
        Assert.Equal(HttpStatusCode.NotFound, randomTag.StatusCode);
        using var putBad = await _oci.PutManifestAsync(name, "sha256:baddigeststring", manifest.Bytes);
        Assert.Equal(HttpStatusCode.BadRequest, putBad.StatusCode);
        using var getBad = await _oci.GetAsync($"/v2/{name}/manifests/sha256:baddigeststring");
        Assert.Contains(getBad.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        using var mismatch = await _oci.PutManifestAsync(name, TestData.Digest(TestData.EmptyJson), manifest.Bytes);
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(mismatch));
    }
}
