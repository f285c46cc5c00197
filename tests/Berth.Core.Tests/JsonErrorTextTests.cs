using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Xunit;

namespace Berth.Core.Tests;

/// <summary>Messages for bad JSON name the place and the problem, never .NET's type names.</summary>
public sealed class JsonErrorTextTests
{
    private sealed record Request(List<string>? Env, long Memory, Dictionary<string, Digest>? Digests);

    private static string Describe(string json)
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Request>(json));
        return JsonErrorText.Describe(e);
    }

    [Theory]
    [InlineData("""{"Env":"host"}""", "wrong type or invalid value for $.Env")]
    [InlineData("""{"Env":["a",1]}""", "wrong type or invalid value for $.Env[1]")]
    [InlineData("""{"Memory":"1"}""", "wrong type or invalid value for $.Memory")]
    [InlineData("""{"Memory":99999999999999999999}""", "wrong type or invalid value for $.Memory")]
    [InlineData("[1]", "wrong type or invalid value")]
    [InlineData("""{"Env":["a",""", "syntax error at line 1, byte 12")]
    [InlineData("{\"Env\":\n x}", "syntax error at line 2, byte 2")]
    [InlineData("""{"Digests":{"a":"sha256:zz"}}""", "invalid digest at $.Digests.a")]
    public void NamesTheProblemAndWhere(string json, string expected)
    {
        var message = Describe(json);
        Assert.Equal(expected, message);
        Assert.DoesNotContain("System.", message);
    }

    [Fact]
    public void ADocumentThatDoesNotParseIsASyntaxError()
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse("{\"status\":"));
        Assert.StartsWith("syntax error at line 1", JsonErrorText.Describe(e));
    }
}
