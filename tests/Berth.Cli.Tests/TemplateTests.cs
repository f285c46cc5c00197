using System.Text.Json;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;
using Berth.EngineApi.Serialization;
using Xunit;

namespace Berth.Cli.Tests;

public class TemplateTests
{
    private const string Inspect = """
        {"Id":"abc","Name":"/web","State":{"Status":"exited","Running":false,"ExitCode":3},
         "Config":{"Cmd":["sh","-c","exit 3"],"Entrypoint":null,"Env":null,"Labels":{"b":"2","a":"1"},"Image":"busybox"},
         "HostConfig":{"Binds":null,"Memory":0}}
        """;

    private static string Run(string template, string json = Inspect, bool typed = true)
    {
        using var doc = JsonDocument.Parse(json);
        return GoTemplate.Parse(template).Execute(doc.RootElement, typed ? EngineJson.Context.ContainerInspectResponse : null);
    }

    [Theory]
    [InlineData("{{.Id}}", "abc")]
    [InlineData("{{.ID}}", "abc")]
    [InlineData("{{.State.Status}}", "exited")]
    [InlineData("{{.State.ExitCode}}", "3")]
    [InlineData("{{.State.Running}}", "false")]
    [InlineData("{{.Config.Cmd}}", "[sh -c exit 3]")]
    [InlineData("{{.Config.Entrypoint}}", "[]")]
    [InlineData("{{.HostConfig.Binds}}", "[]")]
    [InlineData("{{.Config.Labels}}", "map[a:1 b:2]")]
    [InlineData("{{.State.Health}}", "<nil>")]
    [InlineData("{{json .Config.Cmd}}", "[\"sh\",\"-c\",\"exit 3\"]")]
    [InlineData("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}")]
    [InlineData("{{json .Config.Entrypoint}}", "null")]
    [InlineData("{{index .Config.Labels \"a\"}}", "1")]
    [InlineData("{{range .Config.Cmd}}<{{.}}>{{end}}", "<sh><-c><exit 3>")]
    [InlineData("{{if .State.Running}}up{{else}}down{{end}}", "down")]
    [InlineData("{{if eq .State.ExitCode 3}}three{{end}}", "three")]
    [InlineData("{{join .Config.Cmd \",\"}}", "sh,-c,exit 3")]
    [InlineData("{{upper .Name}}", "/WEB")]
    [InlineData("{{.Name | printf \"%s!\"}}", "/web!")]
    [InlineData("{{len .Config.Cmd}}", "3")]
    [InlineData("{{- .Id -}} x", "abcx")]
    public void EvaluatesLikeDocker(string template, string expected) => Assert.Equal(expected, Run(template));

    [Fact]
    public void MissingKeyPrintsNoValue() => Assert.Equal("<no value>", Run("{{.Nope}}", typed: false));

    [Fact]
    public void JsonEscapesHtmlLikeGo()
    {
        using var doc = JsonDocument.Parse("""{"a":"x && <y>"}""");
        Assert.Equal("{\"a\":\"x \\u0026\\u0026 \\u003cy\\u003e\"}", GoTemplate.Parse("{{json .}}").Execute(doc.RootElement));
    }

    [Fact]
    public void SyntaxErrorThrows() => Assert.Throws<TemplateException>(() => GoTemplate.Parse("{{if .A}}x"));

    [Fact]
    public void TableFormatHasHeadersAndTabwriterPadding()
    {
        var rows = new List<RowContext>
        {
            new([new("ID", "4da44e352673"), new("Names", "t1")]),
            new([new("ID", "b"), new("Names", "a-much-longer-name")]),
        };
        var headers = new Dictionary<string, string> { ["ID"] = "CONTAINER ID", ["Names"] = "NAMES" };
        var output = FormatRenderer.Render("table {{.ID}}\\t{{.Names}}", "", rows, headers);
        Assert.Equal("CONTAINER ID   NAMES\n4da44e352673   t1\nb              a-much-longer-name\n", output);
    }

    [Fact]
    public void RowLabelMethod()
    {
        var rows = new List<RowContext> { new([new("Names", "x")], new Dictionary<string, string> { ["k"] = "v" }) };
        Assert.Equal("x v \n", FormatRenderer.Render("{{.Names}} {{.Label \"k\"}} {{.Label \"nope\"}}", "", rows, new Dictionary<string, string>()));
    }

    [Fact]
    public void JsonFormatKeyword()
    {
        var rows = new List<RowContext> { new([new("B", "2"), new("A", "1"), new("P", null)]) };
        Assert.Equal("{\"A\":\"1\",\"B\":\"2\",\"P\":null}\n", FormatRenderer.Render("json", "", rows, new Dictionary<string, string>()));
    }
}
