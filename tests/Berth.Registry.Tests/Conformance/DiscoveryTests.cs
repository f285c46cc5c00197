using System.Net;
using System.Text.Json;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Setup of checklist section 3: eight tags, then referrers pushed before and after their subject.</summary>
public sealed class DiscoveryFixture : DeletingRegistryFixture
{
    public const string Name = "conformance/discovery";
    public const string Bagel = "application/vnd.nhl.peanut.butter.bagel";
    public const string Croissant = "application/vnd.nba.strawberry.jam.croissant";
    public const string FoodStand = "application/vnd.food.stand";
    public const string AnnotationKey = "org.opencontainers.conformance.test";

    public TestData Data { get; } = new(3);
    public List<string> TagsAtSetup { get; private set; } = [];
    /// <summary>Each referrer pushed: label, digest, expected subject, the OCI-Subject header returned.</summary>
    public List<(string Label, string Digest, string Subject, string? Header)> Referrers { get; } = [];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var oci = new OciClient(Client);
        await oci.PushBlobAsync(Name, Data.Configs[2]);
        await oci.PushBlobAsync(Name, Data.Layer);
        foreach (var tag in new[] { "test0", "test1", "test2", "test3", "TEST0", "TEST1", "TEST2", "TEST3" })
            await oci.PushManifestAsync(Name, tag, Data.Manifests[2]);
        using (var document = JsonDocument.Parse(await Client.GetStringAsync($"/v2/{Name}/tags/list")))
            TagsAtSetup = document.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();

        var subject4 = TestData.Descriptor(OciClient.OciManifest, Data.Manifests[4]);
        var subject3 = TestData.Descriptor(OciClient.OciManifest, Data.Manifests[3]);
        var empty = TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson);
        var refA = OciClient.Utf8("reference blob A");
        var refB = OciClient.Utf8("reference blob B");
        await oci.PushBlobAsync(Name, TestData.EmptyJson);
        await oci.PushBlobAsync(Name, refA);
        var aConfig = await PushReferrerAsync(oci, "A-config", ArtifactByConfig(Bagel, empty, subject4, "A-config"), Data.Manifests[4]);
        var aLayer = await PushReferrerAsync(oci, "A-layer", ArtifactByType(Bagel, empty, TestData.Descriptor("application/octet-stream", refA), subject4, "A-layer"), Data.Manifests[4]);
        var index = OciClient.Utf8(
            $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciIndex}}","artifactType":"{{FoodStand}}","manifests":[{{TestData.Descriptor(OciClient.OciManifest, aConfig)}},{{TestData.Descriptor(OciClient.OciManifest, aLayer)}}],"subject":{{subject4}},"annotations":{"{{AnnotationKey}}":"index"} }""");
        await PushReferrerAsync(oci, "index", index, Data.Manifests[4], OciClient.OciIndex);
        await oci.PushBlobAsync(Name, Data.Configs[4]);
        await oci.PushManifestAsync(Name, "tagtest0", Data.Manifests[4]);
        await oci.PushBlobAsync(Name, refB);
        await PushReferrerAsync(oci, "B-config", ArtifactByConfig(Croissant, empty, subject4, "B-config"), Data.Manifests[4]);
        await PushReferrerAsync(oci, "B-layer", ArtifactByType(Croissant, empty, TestData.Descriptor("application/octet-stream", refB), subject4, "B-layer"), Data.Manifests[4]);
        await PushReferrerAsync(oci, "C-layer", ArtifactByType(Croissant, empty, TestData.Descriptor("application/octet-stream", refB), subject3, "C-layer"), Data.Manifests[3]);
    }

    private async Task<byte[]> PushReferrerAsync(OciClient oci, string label, byte[] manifest, byte[] subject, string mediaType = OciClient.OciManifest)
    {
        var digest = TestData.Digest(manifest);
        using var response = await oci.PutManifestAsync(Name, digest, manifest, mediaType);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Referrers.Add((label, digest, TestData.Digest(subject), OciClient.Header(response, "OCI-Subject")));
        return manifest;
    }

    /// <summary>An artifact typed by its config's media type, with the empty JSON as its one layer.</summary>
    private static byte[] ArtifactByConfig(string artifactType, string empty, string subject, string label) => OciClient.Utf8(
        $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","config":{"mediaType":"{{artifactType}}","digest":"{{TestData.EmptyJsonDigest}}","size":2},"layers":[{{empty}}],"subject":{{subject}},"annotations":{"{{AnnotationKey}}":"{{label}}"} }""");

    /// <summary>An artifact with artifactType, the empty config, and one layer.</summary>
    private static byte[] ArtifactByType(string artifactType, string empty, string layer, string subject, string label) => OciClient.Utf8(
        $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"{{artifactType}}","config":{{empty}},"layers":[{{layer}}],"subject":{{subject}},"annotations":{"{{AnnotationKey}}":"{{label}}"} }""");
}

/// <summary>Checklist section 3, content discovery: tag listing (D1–D3) and referrers (R1–R4).</summary>
public sealed class DiscoveryTests(DiscoveryFixture fixture) : IClassFixture<DiscoveryFixture>
{
    private const string Name = DiscoveryFixture.Name;
    private readonly OciClient _oci = new(fixture.Client);

    private async Task<List<string>> TagsAsync(string query)
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/tags/list{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Name, document.RootElement.GetProperty("name").GetString());
        return document.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
    }

    private async Task<(HttpResponseMessage Response, List<JsonElement> Manifests)> ReferrersAsync(string digest, string query = "")
    {
        var response = await _oci.GetAsync($"/v2/{Name}/referrers/{digest}{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OciClient.OciIndex, response.Content.Headers.ContentType!.MediaType);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, document.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(OciClient.OciIndex, document.RootElement.GetProperty("mediaType").GetString());
        return (response, document.RootElement.GetProperty("manifests").EnumerateArray().ToList());
    }

    [Fact]
    public async Task D1_TagsAreListedSortedByBytes()
    {
        var tags = await TagsAsync("");
        Assert.Equal(tags.OrderBy(t => t, StringComparer.Ordinal), tags);
        Assert.Equal(8, fixture.TagsAtSetup.Count);
        // tagtest0 (manifests[4]) came with the referrers setup, after the list was recorded.
        Assert.Equal(fixture.TagsAtSetup.Append("tagtest0").Order(StringComparer.Ordinal), tags);
    }

    [Fact]
    public async Task D2_PageOfExactlyN()
    {
        Assert.Equal(4, (await TagsAsync("?n=4")).Count);
    }

    [Fact]
    public async Task D3_SecondPageStartsAfterLast()
    {
        var first = await TagsAsync("?n=3");
        Assert.Equal(3, first.Count);
        var second = await TagsAsync($"?n=3&last={first[^1]}");
        Assert.True(second.Count <= 3);
        Assert.DoesNotContain(first[^1], second);
        Assert.Empty(first.Intersect(second));
    }

    [Fact]
    public void R0_SetupReferrerPushesCarryOciSubject()
    {
        Assert.Equal(6, fixture.Referrers.Count);
        foreach (var (label, _, subject, header) in fixture.Referrers) Assert.True(subject == header, $"{label}: OCI-Subject {header}");
    }

    [Fact]
    public async Task R1_UnknownSubjectGivesAnEmptyIndex()
    {
        var (response, manifests) = await ReferrersAsync(TestData.DummyDigest);
        using (response) Assert.Empty(manifests);
    }

    [Fact]
    public async Task R2_AllFiveReferrersWithTheirAnnotation()
    {
        var (response, manifests) = await ReferrersAsync(TestData.Digest(fixture.Data.Manifests[4]));
        using var _ = response;
        Assert.Equal(5, manifests.Count);
        Assert.Equal(5, manifests.Select(m => m.GetProperty("digest").GetString()).Distinct().Count());
        foreach (var descriptor in manifests)
        {
            var digest = descriptor.GetProperty("digest").GetString();
            var pushed = fixture.Referrers.Single(r => r.Digest == digest);
            var annotations = descriptor.GetProperty("annotations").EnumerateObject().ToList();
            var annotation = Assert.Single(annotations);
            Assert.Equal(DiscoveryFixture.AnnotationKey, annotation.Name);
            Assert.Equal(pushed.Label, annotation.Value.GetString());
            Assert.True(descriptor.GetProperty("size").GetInt64() > 0);
            var expectedType = pushed.Label switch
            {
                "index" => DiscoveryFixture.FoodStand,
                "A-config" or "A-layer" => DiscoveryFixture.Bagel,
                _ => DiscoveryFixture.Croissant,
            };
            Assert.Equal(expectedType, descriptor.GetProperty("artifactType").GetString());
            Assert.Equal(pushed.Label == "index" ? OciClient.OciIndex : OciClient.OciManifest, descriptor.GetProperty("mediaType").GetString());
        }
    }

    [Fact]
    public async Task R3_ArtifactTypeFilterIsAppliedAndSaysSo()
    {
        var (response, manifests) = await ReferrersAsync(TestData.Digest(fixture.Data.Manifests[4]), $"?artifactType={DiscoveryFixture.Bagel}");
        using var _ = response;
        Assert.Equal("artifactType", OciClient.Header(response, "OCI-Filters-Applied"));
        Assert.Equal(2, manifests.Count);
        var labels = manifests.Select(m => fixture.Referrers.Single(r => r.Digest == m.GetProperty("digest").GetString()).Label).Order();
        Assert.Equal(new[] { "A-config", "A-layer" }, labels);
    }

    [Fact]
    public async Task R4_SubjectNeverPushedHasItsOneReferrer()
    {
        var (response, manifests) = await ReferrersAsync(TestData.Digest(fixture.Data.Manifests[3]));
        using var _ = response;
        var only = Assert.Single(manifests);
        Assert.Equal(fixture.Referrers.Single(r => r.Label == "C-layer").Digest, only.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task R_Teardown_DeletedReferrersLeaveTheList()
    {
        // On a copy in another repository, so the other tests keep their referrers.
        const string name = Name + "-teardown";
        var data = fixture.Data;
        await _oci.PushBlobAsync(name, TestData.EmptyJson);
        var subject = TestData.Descriptor(OciClient.OciManifest, data.Manifests[4]);
        var artifact = OciClient.Utf8(
            $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"{{DiscoveryFixture.Bagel}}","config":{{TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson)}},"layers":[{{TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson)}}],"subject":{{subject}} }""");
        var digest = await _oci.PushManifestAsync(name, TestData.Digest(artifact), artifact);
        using var before = await _oci.GetAsync($"/v2/{name}/referrers/{TestData.Digest(data.Manifests[4])}");
        Assert.Contains(digest, await before.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var delete = await _oci.DeleteAsync($"/v2/{name}/manifests/{digest}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        using var after = await _oci.GetAsync($"/v2/{name}/referrers/{TestData.Digest(data.Manifests[4])}");
        Assert.DoesNotContain(digest, await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var deleteBlob = await _oci.DeleteAsync($"/v2/{name}/blobs/{TestData.EmptyJsonDigest}");
        Assert.Equal(HttpStatusCode.Accepted, deleteBlob.StatusCode);
    }
}
