using Xunit;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Berth.Registry.Tests;

public sealed class ManifestTests : IClassFixture<RegistryFixture>
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    private readonly RegistryFixture _registry;
    private HttpClient Client => _registry.Client;
    public ManifestTests(RegistryFixture registry) => _registry = registry;

    private async Task<string> PushBlobAsync(string name, string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var digest = RegistryFixture.DigestOf(data);
        (await Client.PostAsync($"/v2/{name}/blobs/uploads/?digest={digest}", new ByteArrayContent(data))).EnsureSuccessStatusCode();
        return digest;
    }

    private static string Manifest(string config, string layer) =>
        $$"""{"schemaVersion":2,"mediaType":"{{DockerManifest}}","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{{config}}","size":2},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"{{layer}}","size":5}]}""";

    private Task<HttpResponseMessage> PutAsync(string path, string body, string mediaType) =>
        Client.PutAsync(path, new StringContent(body, new MediaTypeHeaderValue(mediaType)));

    [Fact]
    public async Task PutThenGetByTagAndDigest()
    {
        var manifest = Manifest(await PushBlobAsync("img/app", "{}"), await PushBlobAsync("img/app", "layer"));
        var digest = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(manifest));
        using var put = await PutAsync("/v2/img/app/manifests/v1", manifest, DockerManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(digest, put.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal($"/v2/img/app/manifests/{digest}", put.Headers.Location!.OriginalString);

        foreach (var reference in new[] { "v1", digest })
        {
            using var get = await Client.GetAsync($"/v2/img/app/manifests/{reference}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(DockerManifest, get.Content.Headers.ContentType!.MediaType);
            Assert.Equal(manifest, await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(digest, get.Headers.GetValues("Docker-Content-Digest").Single());
            using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/img/app/manifests/{reference}"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);
        }
        using var byDigest = await PutAsync($"/v2/img/app/manifests/{digest}", manifest, DockerManifest);
        Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);
    }

    [Fact]
    public async Task MissingBlobsAndBadJsonAreRefused()
    {
        var config = await PushBlobAsync("refuse", "{}");
        var foreign = await PushBlobAsync("elsewhere", "foreign layer");
        using var missing = await PutAsync("/v2/refuse/manifests/v1", Manifest(config, foreign), DockerManifest);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("\"code\":\"MANIFEST_BLOB_UNKNOWN\"", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var bad = await PutAsync("/v2/refuse/manifests/v1", "{not json", OciManifest);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"code\":\"MANIFEST_INVALID\"", await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var wrongDigest = await PutAsync($"/v2/refuse/manifests/{foreign}", "{}", OciManifest);
        Assert.Equal(HttpStatusCode.BadRequest, wrongDigest.StatusCode);

        using var unknown = await Client.GetAsync("/v2/refuse/manifests/v1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"code\":\"MANIFEST_UNKNOWN\"", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TagsAreSortedAndPaginated()
    {
        var manifest = Manifest(await PushBlobAsync("paged", "{}"), await PushBlobAsync("paged", "layer"));
        foreach (var tag in new[] { "c", "a", "d", "b" })
            (await PutAsync($"/v2/paged/manifests/{tag}", manifest, DockerManifest)).EnsureSuccessStatusCode();

        Assert.Equal("""{"name":"paged","tags":["a","b","c","d"]}""", await Client.GetStringAsync("/v2/paged/tags/list", TestContext.Current.CancellationToken));
        using var first = await Client.GetAsync("/v2/paged/tags/list?n=2", TestContext.Current.CancellationToken);
        Assert.Equal("""{"name":"paged","tags":["a","b"]}""", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("""</v2/paged/tags/list?n=2&last=b>; rel="next" """.TrimEnd(), first.Headers.GetValues("Link").Single());
        using var second = await Client.GetAsync("/v2/paged/tags/list?n=2&last=b", TestContext.Current.CancellationToken);
        Assert.Equal("""{"name":"paged","tags":["c","d"]}""", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(second.Headers.Contains("Link"));

        using var unknown = await Client.GetAsync("/v2/nosuchrepo/tags/list", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("NAME_UNKNOWN", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CatalogListsRepositories()
    {
        await PushBlobAsync("cat/one", "x");
        await PushBlobAsync("cat/two", "y");
        var catalog = await Client.GetStringAsync("/v2/_catalog", TestContext.Current.CancellationToken);
        Assert.Contains("\"cat/one\"", catalog);
        Assert.Contains("\"cat/two\"", catalog);
        using var page = await Client.GetAsync("/v2/_catalog?n=1", TestContext.Current.CancellationToken);
        Assert.StartsWith("</v2/_catalog?n=1&last=", page.Headers.GetValues("Link").Single());
    }
}
