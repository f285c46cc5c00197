using System.Net;
using System.Text;
using Berth.Registry.Tests.Conformance;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>What a pushed manifest must satisfy, and how GET answers whatever Accept says.</summary>
public sealed class ManifestValidationTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private readonly OciClient _oci = new(fixture.Client);

    private async Task<ContentSet> PushBlobsAsync(string name, string set = "image-gzip")
    {
        var content = ContentSets.Build(set);
        foreach (var blob in content.Blobs) await _oci.PushBlobAsync(name, blob);
        return content;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await OciClient.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task IndexChildrenMustExistInTheRepository()
    {
        var set = ContentSets.Build("multi-platform-index");
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync("valid/index", blob);
        using var orphan = await _oci.PutManifestAsync("valid/index", "latest", set.Manifests[2].Bytes, OciClient.OciIndex);
        await AssertErrorAsync(orphan, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        // Pushed to another repository only: still unknown here.
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync("valid/elsewhere", blob);
        await _oci.PushManifestAsync("valid/elsewhere", set.Manifests[0].Digest, set.Manifests[0].Bytes);
        await _oci.PushManifestAsync("valid/elsewhere", set.Manifests[1].Digest, set.Manifests[1].Bytes);
        using var stillOrphan = await _oci.PutManifestAsync("valid/index", "latest", set.Manifests[2].Bytes, OciClient.OciIndex);
        await AssertErrorAsync(stillOrphan, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Fact]
    public async Task ConfigAndLayersMustBeBlobsOfTheRepository()
    {
        var set = ContentSets.Build("image-gzip");
        await _oci.PushBlobAsync("valid/layers", set.Blobs[0]); // config only
        using var response = await _oci.PutManifestAsync("valid/layers", "latest", set.Manifests[0].Bytes);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        Assert.Contains(TestData.Digest(set.Blobs[1]), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("[1,2]", "MANIFEST_INVALID")]                                          // not an object
    [InlineData("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", "MANIFEST_INVALID")] // Docker schema 1
    [InlineData("{\"schemaVersion\":2,\"layers\":[]}", "MANIFEST_INVALID")]             // image manifest without config
    [InlineData("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\"}}", "MANIFEST_INVALID")] // bad descriptor digest
    [InlineData("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":-1}}", "MANIFEST_INVALID")]
    [InlineData("{\"schemaVersion\":2,\"layers\":{}}", "MANIFEST_INVALID")]             // layers not an array
    [InlineData("{\"schemaVersion\":2,\"annotations\":{\"a\":1}}", "MANIFEST_INVALID")] // annotation not a string
    [InlineData("\u00ff\u00fe", "MANIFEST_INVALID")]                                    // not JSON
    public async Task MalformedManifestsAreManifestInvalid(string body, string code)
    {
        using var response = await _oci.PutManifestAsync("valid/malformed", "latest", Encoding.Latin1.GetBytes(body));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task InvalidUtf8InsideAStringIsManifestInvalid()
    {
        // Found by FuzzTests: JsonDocument accepts it and fails only when the string is read.
        byte[] body = [.. "{\"schemaVersion\":2,\"mediaType\":\""u8, 0xff, 0xfe, .. "\"}"u8];
        using var response = await _oci.PutManifestAsync("valid/utf8", "latest", body, null);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task MediaTypeInTheBodyMustMatchAKnownContentType()
    {
        var set = await PushBlobsAsync("valid/mediatype", "docker-schema2");
        using var mismatch = await _oci.PutManifestAsync("valid/mediatype", "latest", set.Manifests[0].Bytes, OciClient.OciManifest);
        await AssertErrorAsync(mismatch, HttpStatusCode.BadRequest, "MANIFEST_INVALID");
        // A generic Content-Type defers to the body.
        using var generic = await _oci.PutManifestAsync("valid/mediatype", "latest", set.Manifests[0].Bytes, "application/json");
        Assert.Equal(HttpStatusCode.Created, generic.StatusCode);
        using var get = await _oci.GetAsync("/v2/valid/mediatype/manifests/latest");
        Assert.Equal(OciClient.DockerManifest, get.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task WithoutMediaTypeTheContentTypeIsKept()
    {
        var set = await PushBlobsAsync("valid/no-mediatype");
        var body = Encoding.UTF8.GetString(set.Manifests[0].Bytes).Replace($"\"mediaType\":\"{OciClient.OciManifest}\",", "");
        using var put = await _oci.PutManifestAsync("valid/no-mediatype", "docker", Encoding.UTF8.GetBytes(body), OciClient.DockerManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var get = await _oci.GetAsync("/v2/valid/no-mediatype/manifests/docker");
        Assert.Equal(OciClient.DockerManifest, get.Content.Headers.ContentType!.MediaType);
        using var none = await _oci.PutManifestAsync("valid/no-mediatype", "none", Encoding.UTF8.GetBytes(body), null);
        Assert.Equal(HttpStatusCode.Created, none.StatusCode);
        using var inferred = await _oci.GetAsync("/v2/valid/no-mediatype/manifests/none");
        Assert.Equal(OciClient.OciManifest, inferred.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData(".dot")]
    [InlineData("has%20space")]
    public async Task BadTagsAreTagInvalid(string tag)
    {
        var set = await PushBlobsAsync("valid/tags");
        using var response = await _oci.PutManifestAsync("valid/tags", tag, set.Manifests[0].Bytes);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "TAG_INVALID");
    }

    [Fact]
    public async Task LongestValidTagIsAcceptedOneMoreIsNot()
    {
        var set = await PushBlobsAsync("valid/longtag");
        using var ok = await _oci.PutManifestAsync("valid/longtag", new string('t', 128), set.Manifests[0].Bytes);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        using var tooLong = await _oci.PutManifestAsync("valid/longtag", new string('t', 129), set.Manifests[0].Bytes);
        await AssertErrorAsync(tooLong, HttpStatusCode.BadRequest, "TAG_INVALID");
    }

    [Fact]
    public async Task OversizedManifestsAreRefused()
    {
        var body = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"annotations\":{\"a\":\"" + new string('x', 4 << 20) + "\"}}");
        using var response = await _oci.PutManifestAsync("valid/huge", "latest", body);
        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
    }

    [Fact]
    public async Task AcceptNegotiationServesWhatIsStored()
    {
        var set = ContentSets.Build("docker-manifest-list");
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync("valid/accept", blob);
        await _oci.PushManifestAsync("valid/accept", set.Manifests[0].Digest, set.Manifests[0].Bytes, OciClient.DockerManifest);
        var list = set.Manifests[1];
        await _oci.PushManifestAsync("valid/accept", "latest", list.Bytes, OciClient.DockerManifestList);
        // A client that only accepts image manifests still gets the list, labelled as such (distribution 2.8 without schema1).
        foreach (var accept in new[] { OciClient.DockerManifest, OciClient.OciManifest, "*/*", "" })
        {
            using var response = accept.Length == 0
                ? await _oci.GetAsync("/v2/valid/accept/manifests/latest")
                : await _oci.GetAsync("/v2/valid/accept/manifests/latest", ("Accept", accept));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(OciClient.DockerManifestList, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(list.Digest, OciClient.Header(response, "Docker-Content-Digest"));
            Assert.Equal($"\"{list.Digest}\"", response.Headers.ETag!.Tag);
            Assert.Equal(list.Bytes, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }
        using var notModified = await _oci.GetAsync("/v2/valid/accept/manifests/latest", ("If-None-Match", $"\"{list.Digest}\""));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }
}
