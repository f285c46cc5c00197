using System.Net;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Setup of checklist section 1: two configs and the layer, manifests[0] as tagtest0, manifests[1] by digest.</summary>
public sealed class PullFixture : DeletingRegistryFixture
{
    public const string Name = "conformance/pull";
    public TestData Data { get; } = new(1);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var oci = new OciClient(Client);
        await oci.PushBlobAsync(Name, Data.Configs[0]);
        await oci.PushBlobAsync(Name, Data.Configs[1]);
        await oci.PushBlobAsync(Name, Data.Layer);
        await oci.PushManifestAsync(Name, "tagtest0", Data.Manifests[0]);
        await oci.PushManifestAsync(Name, TestData.Digest(Data.Manifests[1]), Data.Manifests[1]);
    }
}

/// <summary>Checklist section 1, pull workflow: P1–P12 and the teardown rules.</summary>
public sealed class PullTests(PullFixture fixture) : IClassFixture<PullFixture>
{
    private const string Name = PullFixture.Name;
    private readonly OciClient _oci = new(fixture.Client);
    private TestData Data => fixture.Data;
    private static readonly (string, string) AcceptOci = ("Accept", OciClient.OciManifest);

    [Fact]
    public async Task P1_HeadMissingBlobIs404()
    {
        using var response = await _oci.HeadAsync($"/v2/{Name}/blobs/{TestData.DummyDigest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task P2_HeadBlobIs200WithItsDigest()
    {
        var digest = TestData.Digest(Data.Configs[0]);
        using var response = await _oci.HeadAsync($"/v2/{Name}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, OciClient.Header(response, "Docker-Content-Digest"));
        Assert.Equal(Data.Configs[0].Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task P3_GetMissingBlobIs404()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/blobs/{TestData.DummyDigest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await OciClient.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task P4_GetBlobIs200WithTheBytes()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/blobs/{TestData.Digest(Data.Configs[0])}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Data.Configs[0], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task P5_HeadInvalidManifestNameIs404NotBadRequest()
    {
        using var response = await _oci.HeadAsync($"/v2/{Name}/manifests/{TestData.InvalidManifestName}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(0)] // P6: pushed by tag
    [InlineData(1)] // P7: pushed by digest only
    public async Task P6_P7_HeadManifestByDigest(int index)
    {
        var digest = TestData.Digest(Data.Manifests[index]);
        using var response = await _oci.HeadAsync($"/v2/{Name}/manifests/{digest}", AcceptOci);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, OciClient.Header(response, "Docker-Content-Digest"));
        Assert.Equal(Data.Manifests[index].Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task P8_HeadManifestByTagGivesTheTaggedDigest()
    {
        using var response = await _oci.HeadAsync($"/v2/{Name}/manifests/tagtest0");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestData.Digest(Data.Manifests[0]), OciClient.Header(response, "Docker-Content-Digest"));
    }

    [Fact]
    public async Task P9_GetInvalidManifestNameIs404()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/manifests/{TestData.InvalidManifestName}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await OciClient.ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task P10_GetManifestByDigestServesTheExactBytes(int index)
    {
        var digest = TestData.Digest(Data.Manifests[index]);
        using var response = await _oci.GetAsync($"/v2/{Name}/manifests/{digest}", AcceptOci);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Data.Manifests[index], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(OciClient.OciManifest, response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task P11_GetManifestByTag()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/manifests/tagtest0");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Data.Manifests[0], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal($"\"{TestData.Digest(Data.Manifests[0])}\"", response.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task P12_GetMalformedDigestIs400WithKnownCodeOr404()
    {
        using var response = await _oci.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/sha256:totallywrong", OciClient.Utf8("junk body"), "application/octet-stream");
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        if (response.StatusCode == HttpStatusCode.BadRequest)
            Assert.Contains(await OciClient.ErrorCodeAsync(response), OciClient.KnownCodes);
    }

    [Fact]
    public async Task P_Teardown_DeletesManifestsThenBlobs()
    {
        // A separate repository: the other tests of this class read the fixture's.
        const string name = "conformance/pull-teardown";
        var configs = new[] { Data.Configs[0], Data.Configs[1] };
        foreach (var blob in configs.Append(Data.Layer)) await _oci.PushBlobAsync(name, blob);
        await _oci.PushManifestAsync(name, "tagtest0", Data.Manifests[0]);
        await _oci.PushManifestAsync(name, TestData.Digest(Data.Manifests[1]), Data.Manifests[1]);
        foreach (var manifest in Data.Manifests[..2])
        {
            using var delete = await _oci.DeleteAsync($"/v2/{name}/manifests/{TestData.Digest(manifest)}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
        foreach (var blob in configs.Append(Data.Layer))
        {
            using var delete = await _oci.DeleteAsync($"/v2/{name}/blobs/{TestData.Digest(blob)}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
    }
}
