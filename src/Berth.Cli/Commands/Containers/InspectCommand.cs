using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Serialization;

namespace Berth.Cli.Commands.Containers;

/// <summary>
/// inspect, container inspect, image inspect: the daemon's JSON re-indented (4 spaces) in an
/// array, or <c>-f TEMPLATE</c> executed per object.
/// </summary>
public static class InspectCommand
{
    public static CommandSpec Generic { get; } = new("inspect", "inspect [OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects",
        f => f.String("format", 'f', "Format output using a custom template").Bool("size", 's', "Display total file sizes if the type is container")
              .String("type", null, "Only inspect objects of the given type"),
        1, CommandSpec.Unbounded, (ctx, f) => RunAsync(ctx, f, f.GetString("type")));

    public static CommandSpec ContainerInspect { get; } = new("inspect", "container inspect [OPTIONS] CONTAINER [CONTAINER...]", "Display detailed information on one or more containers",
        f => f.String("format", 'f', "Format output using a custom template").Bool("size", 's', "Display total file sizes"),
        1, CommandSpec.Unbounded, (ctx, f) => RunAsync(ctx, f, "container"));

    public static CommandSpec ImageInspect { get; } = new("inspect", "image inspect [OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images",
        f => f.String("format", 'f', "Format output using a custom template"),
        1, CommandSpec.Unbounded, (ctx, f) => RunAsync(ctx, f, "image"));

    private static async Task<int> RunAsync(CommandContext ctx, FlagSet flags, string? type)
    {
        if (type is not (null or "" or "container" or "image"))
        {
            ctx.Err.WriteLine($"\"{type}\" is not a valid value for --type");
            return 1;
        }
        var format = flags.GetString("format");
        GoTemplate? template = null;
        if (!string.IsNullOrEmpty(format) && format != "json")
        {
            try
            {
                template = GoTemplate.Parse(format);
            }
            catch (TemplateException e)
            {
                ctx.Err.WriteLine($"template parsing error: {e.Message}");
                return 64;
            }
        }
        var size = flags.Changed("size") && flags.GetBool("size");
        var found = new List<(string Raw, JsonTypeInfo Type)>();
        var errors = new List<string>();
        foreach (var name in flags.Positionals)
        {
            try
            {
                found.Add(await FetchAsync(ctx, name, type, size).ConfigureAwait(false));
            }
            catch (EngineApiException e) when (e.IsNotFound)
            {
                errors.Add(type switch
                {
                    "container" or "image" => "Error response from daemon: " + e.Message,
                    _ => "Error: No such object: " + name,
                });
            }
        }
        var sb = new StringBuilder();
        if (template is null)
        {
            sb.Append(GoJson.Indent("[" + string.Join(",", found.Select(f => f.Raw)) + "]")).Append('\n');
        }
        else
        {
            foreach (var (raw, t) in found)
            {
                using var doc = JsonDocument.Parse(raw);
                try
                {
                    sb.Append(template.Execute(doc.RootElement, t)).Append('\n');
                }
                catch (TemplateException e)
                {
                    ctx.Out.Write(sb.ToString());
                    ctx.Err.WriteLine($"template parsing error: {e.Message}");
                    return 1;
                }
            }
        }
        ctx.Out.Write(sb.ToString());
        foreach (var e in errors)
        {
            ctx.Err.WriteLine(e);
        }
        return errors.Count > 0 ? 1 : 0;
    }

    private static async Task<(string, JsonTypeInfo)> FetchAsync(CommandContext ctx, string name, string? type, bool size)
    {
        if (type is null or "" or "container")
        {
            try
            {
                var raw = await ctx.Client.InspectContainerRawAsync(name, size, ctx.CancellationToken).ConfigureAwait(false);
                return (Encoding.UTF8.GetString(raw).Trim(), EngineJson.Context.ContainerInspectResponse);
            }
            catch (EngineApiException e) when (e.IsNotFound && type is null or "")
            {
            }
        }
        var image = await ctx.Client.InspectImageRawAsync(name, ctx.CancellationToken).ConfigureAwait(false);
        return (Encoding.UTF8.GetString(image).Trim(), EngineJson.Context.ImageInspectResponse);
    }
}
