using System.Text.Json;
using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.Cli.Commands.Containers;

/// <summary><c>ps</c> / <c>container ls</c>.</summary>
public static class PsCommand
{
    public const string DefaultFormat = "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["ID"] = "CONTAINER ID", ["Image"] = "IMAGE", ["Command"] = "COMMAND", ["CreatedAt"] = "CREATED AT",
        ["RunningFor"] = "CREATED", ["Ports"] = "PORTS", ["Status"] = "STATUS", ["Size"] = "SIZE", ["Names"] = "NAMES",
        ["Labels"] = "LABELS", ["Label"] = "LABEL", ["Mounts"] = "MOUNTS", ["LocalVolumes"] = "LOCAL VOLUMES",
        ["Networks"] = "NETWORKS", ["State"] = "STATE", ["Platform"] = "PLATFORM",
    };

    public static CommandSpec Spec { get; } = new("ps", "ps [OPTIONS]", "List containers",
        f => f.Bool("all", 'a', "Show all containers (default shows just running)")
              .List("filter", 'f', "Filter output based on conditions provided")
              .String("format", null, "Format output using a custom template")
              .Int("last", 'n', "Show n last created containers (includes all states)", "-1")
              .Bool("latest", 'l', "Show the latest created container (includes all states)")
              .Bool("no-trunc", null, "Don't truncate output")
              .Bool("quiet", 'q', "Only display container IDs")
              .Bool("size", 's', "Display total file sizes"),
        0, 0, RunAsync);

    private static async Task<int> RunAsync(CommandContext ctx, FlagSet flags)
    {
        var filters = ParseFilters(flags.GetList("filter"));
        var format = flags.GetString("format");
        var last = flags.GetInt("last") ?? -1;
        if (flags.GetBool("latest"))
        {
            last = 1;
        }
        var all = flags.GetBool("all") || last > 0;
        var size = flags.GetBool("size") || (format is not null && (format.Contains(".Size", StringComparison.Ordinal) || format.Contains("json .", StringComparison.Ordinal)));
        var list = await ctx.Client.ListContainersAsync(all, filters, size, last > 0 ? last : null, ctx.CancellationToken).ConfigureAwait(false);
        var noTrunc = flags.GetBool("no-trunc");
        if (flags.GetBool("quiet") && string.IsNullOrEmpty(format))
        {
            foreach (var c in list)
            {
                ctx.Out.WriteLine(noTrunc ? c.Id : DisplayText.TruncateId(c.Id));
            }
            return 0;
        }
        var now = DateTimeOffset.UtcNow;
        var rows = list.Select(c => Row(c, !noTrunc, now)).ToList();
        var table = flags.GetBool("size") ? DefaultFormat + "\t{{.Size}}" : DefaultFormat;
        if (flags.GetBool("quiet"))
        {
            format = "{{.ID}}";
        }
        ctx.Out.Write(FormatRenderer.Render(format, table, rows, Headers));
        return 0;
    }

    public static List<KeyValuePair<string, string>> ParseFilters(IReadOnlyList<string> values)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var v in values)
        {
            var eq = v.IndexOf('=');
            if (eq <= 0)
            {
                throw new UsageException($"bad format of filter (expected name=value)", 125);
            }
            list.Add(new(v[..eq].Trim().ToLowerInvariant(), v[(eq + 1)..]));
        }
        return list;
    }

    /// <summary>docker's ContainerContext for one container.</summary>
    public static RowContext Row(ContainerSummary c, bool trunc, DateTimeOffset now)
    {
        var names = (c.Names ?? []).Select(n => n.TrimStart('/')).Where(n => !n.Contains('/')).ToList();
        var image = c.Image;
        if (trunc)
        {
            if (image.StartsWith("sha256:", StringComparison.Ordinal) || c.ImageID.EndsWith(image, StringComparison.Ordinal))
            {
                image = DisplayText.TruncateId(image);
            }
            var at = image.IndexOf('@');
            if (at > 0)
            {
                image = image[..at];
            }
        }
        var command = trunc ? DisplayText.Ellipsis(c.Command, 20) : c.Command;
        var labels = c.Labels ?? new Dictionary<string, string>();
        var mounts = (c.Mounts ?? []).Select(m => m.Name is { Length: > 0 } n ? (trunc ? DisplayText.Ellipsis(n, 15) : n) : trunc ? DisplayText.Ellipsis(m.Source, 15) : m.Source);
        var size = c.SizeRw == 0 && c.SizeRootFs == 0 ? "0B" : DockerUnits.HumanSize(c.SizeRw);
        if (c.SizeRootFs > 0)
        {
            size += $" (virtual {DockerUnits.HumanSize(c.SizeRootFs)})";
        }
        return new RowContext(
        [
            new("ID", trunc ? DisplayText.TruncateId(c.Id) : c.Id),
            new("Names", string.Join(',', names)),
            new("Image", image),
            new("Command", DisplayText.Quote(command)),
            new("CreatedAt", DisplayText.GoTimeString(DateTimeOffset.FromUnixTimeSeconds(c.Created))),
            new("RunningFor", DisplayText.Ago(c.Created, now)),
            new("Ports", DisplayPorts(c.Ports)),
            new("State", c.State),
            new("Status", c.Status),
            new("Size", size),
            new("Labels", string.Join(',', labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))),
            new("LocalVolumes", (c.Mounts ?? []).Count(m => m.Type == "volume").ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Mounts", string.Join(',', mounts)),
            new("Networks", string.Join(',', (c.NetworkSettings?.Networks?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal))),
            new("Platform", null),
        ], labels);
    }

    /// <summary>Published ports like docker: "0.0.0.0:8080->80/tcp, 443/tcp".</summary>
    public static string DisplayPorts(IReadOnlyList<Port> ports) =>
        string.Join(", ", ports.OrderBy(p => p.PrivatePort).ThenBy(p => p.Type, StringComparer.Ordinal).Select(p =>
            p.PublicPort > 0 ? $"{(p.IP?.Contains(':') == true ? $"[{p.IP}]" : p.IP)}:{p.PublicPort}->{p.PrivatePort}/{p.Type}" : $"{p.PrivatePort}/{p.Type}"));
}
