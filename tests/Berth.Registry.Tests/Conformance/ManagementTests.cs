using System.Net;
using System.Text.Json;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist section 4, content management (G1–G6), on a registry started with --delete.</summary>
public sealed class ManagementTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private const string Name = "conformance/management";
    private readonly OciClient _oci = new(fixture.Client);
    private readonly TestData _data = new(4);

    private async Task<int> TagCountAsync()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/tags/list");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("tags").GetArrayLength();
    }

    [Fact]
    public async Task G1_to_G6_DeleteTagManifestAndBlobs()
    {
        await _oci.PushBlobAsync(Name, _data.Configs[3]);
        await _oci.PushBlobAsync(Name, _data.Layer);
        var digest = await _oci.PushManifestAsync(Name, "tagtest0", _data.Manifests[3]);
        await _oci.PushManifestAsync(Name, "keep", _data.Manifests[3]);
        var before = await TagCountAsync();

        using var byTag = await _oci.DeleteAsync($"/v2/{Name}/manifests/tagtest0");
        Assert.Equal(HttpStatusCode.Accepted, byTag.StatusCode); // G1
        using var tagGone = await _oci.HeadAsync($"/v2/{Name}/manifests/tagtest0");
        Assert.Equal(HttpStatusCode.NotFound, tagGone.StatusCode);
        using var stillByDigest = await _oci.HeadAsync($"/v2/{Name}/manifests/{digest}");
        Assert.Equal(HttpStatusCode.OK, stillByDigest.StatusCode); // a tag delete leaves the manifest

        Assert.Equal(before - 1, await TagCountAsync()); // G4

        using var byDigest = await _oci.DeleteAsync($"/v2/{Name}/manifests/{digest}");
        Assert.Equal(HttpStatusCode.Accepted, byDigest.StatusCode); // G2
        using var again = await _oci.DeleteAsync($"/v2/{Name}/manifests/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode); // G2: already gone
        using var get = await _oci.GetAsync($"/v2/{Name}/manifests/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode); // G3
        // Like distribution, deleting a manifest also removes the tags that pointed at it.
        Assert.Equal(0, await TagCountAsync());

        foreach (var blob in new[] { _data.Configs[3], _data.Layer })
        {
            using var delete = await _oci.DeleteAsync($"/v2/{Name}/blobs/{TestData.Digest(blob)}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode); // G5
            using var gone = await _oci.GetAsync($"/v2/{Name}/blobs/{TestData.Digest(blob)}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // G6
        }
    }
}

/// <summary>Deletes as shipped: off, so every DELETE but an upload cancel is 405 UNSUPPORTED (allowed by G1, G5 and the teardowns).</summary>
public sealed class DeletesDisabledTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private const string Name = "conformance/nodelete";
    private readonly OciClient _oci = new(fixture.Client);
    private readonly TestData _data = new(5);

    [Fact]
    public async Task G1_G2_G5_DeletesAre405UnsupportedAndChangeNothing()
    {
        await _oci.PushBlobAsync(Name, _data.Configs[3]);
        await _oci.PushBlobAsync(Name, _data.Layer);
        var digest = await _oci.PushManifestAsync(Name, "tagtest0", _data.Manifests[3]);
        foreach (var path in new[] { "manifests/tagtest0", $"manifests/{digest}", $"blobs/{TestData.Digest(_data.Layer)}" })
        {
            using var delete = await _oci.DeleteAsync($"/v2/{Name}/{path}");
            Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
            Assert.Equal("UNSUPPORTED", await OciClient.ErrorCodeAsync(delete));
            using var head = await _oci.HeadAsync($"/v2/{Name}/{path}");
            Assert.Equal(HttpStatusCode.OK, head.StatusCode); // G3: 200 tolerated when deletion is not allowed
        }
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        using var cancel = await _oci.DeleteAsync(OciClient.Location(post));
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
    }
}
