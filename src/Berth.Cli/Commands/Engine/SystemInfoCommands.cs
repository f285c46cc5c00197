using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.Cli.Commands.Engine;

/// <summary>version and info.</summary>
public static class SystemInfoCommands
{
    public static CommandSpec Version { get; } = new("version", "version [OPTIONS]", "Show the Berth version information",
        f => f.String("format", 'f', "Format output using a custom template"), 0, 0, VersionAsync);

    public static CommandSpec Info { get; } = new("info", "info [OPTIONS]", "Display system-wide information",
        f => f.String("format", 'f', "Format output using a custom template"), 0, 0, InfoAsync);

    private static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        var a => a.ToString().ToLowerInvariant(),
    };

    private static async Task<int> VersionAsync(CommandContext ctx, FlagSet flags)
    {
        SystemVersion? server = null;
        Exception? serverError = null;
        try
        {
            server = await ctx.Client.GetVersionAsync(ctx.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineApiException or DaemonUnreachableException)
        {
            serverError = e;
        }
        var api = ctx.Client.ApiVersion ?? EngineClient.MaxApiVersion;
        if (flags.GetString("format") is { Length: > 0 } format)
        {
            var client = new StringBuilder("{");
            Append(client, "Platform", "{\"Name\":\"Berth\"}", raw: true);
            Append(client, "Version", CliApp.Version);
            Append(client, "ApiVersion", api);
            Append(client, "DefaultAPIVersion", EngineClient.MaxApiVersion);
            Append(client, "GitCommit", "");
            Append(client, "GoVersion", RuntimeInformation.FrameworkDescription);
            Append(client, "Os", "linux");
            Append(client, "Arch", Arch);
            Append(client, "BuildTime", "");
            Append(client, "Context", "default");
            client.Append('}');
            var serverJson = server is null ? "null" : JsonSerializer.Serialize(server, EngineJson.Context.SystemVersion);
            using var doc = JsonDocument.Parse($"{{\"Client\":{client},\"Server\":{serverJson}}}");
            ctx.Out.WriteLine(GoTemplate.Parse(format).Execute(doc.RootElement));
            return serverError is null ? 0 : ctx.Fail(serverError);
        }
        var sb = new StringBuilder();
        sb.Append("Client:\n");
        Line(sb, 1, "Version", CliApp.Version);
        Line(sb, 1, "API version", api == EngineClient.MaxApiVersion ? api : $"{api} (downgraded from {EngineClient.MaxApiVersion})");
        Line(sb, 1, "Runtime", RuntimeInformation.FrameworkDescription);
        Line(sb, 1, "OS/Arch", $"linux/{Arch}");
        Line(sb, 1, "Context", "default");
        if (server is not null)
        {
            sb.Append("\nServer:");
            if (server.Platform is { Name.Length: > 0 } p)
            {
                sb.Append(' ').Append(p.Name);
            }
            sb.Append('\n');
            var components = server.Components ?? [];
            foreach (var c in components)
            {
                sb.Append(' ').Append(c.Name).Append(":\n");
                if (c.Name == "Engine")
                {
                    Line(sb, 2, "Version", server.Version);
                    Line(sb, 2, "API version", $"{server.ApiVersion} (minimum version {server.MinAPIVersion})");
                    Line(sb, 2, "Go version", server.GoVersion);
                    Line(sb, 2, "Git commit", server.GitCommit);
                    Line(sb, 2, "Built", AnsiC(server.BuildTime));
                    Line(sb, 2, "OS/Arch", $"{server.Os}/{server.Arch}");
                    Line(sb, 2, "Experimental", server.Experimental ? "true" : "false");
                    continue;
                }
                Line(sb, 2, "Version", c.Version);
                foreach (var (k, v) in (c.Details ?? new Dictionary<string, string>()).OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    Line(sb, 2, k, v);
                }
            }
        }
        ctx.Out.Write(sb.ToString());
        return serverError is null ? 0 : ctx.Fail(serverError);
    }

    private static void Append(StringBuilder sb, string key, string value, bool raw = false)
    {
        if (sb.Length > 1)
        {
            sb.Append(',');
        }
        GoJson.WriteString(sb, key);
        sb.Append(':');
        if (raw)
        {
            sb.Append(value);
        }
        else
        {
            GoJson.WriteString(sb, value);
        }
    }

    // docker's version template pads labels to a fixed column ("Version:" + spaces).
    private static void Line(StringBuilder sb, int depth, string label, string? value)
    {
        var prefix = new string(' ', depth) + label + ":";
        sb.Append(prefix.PadRight(depth == 1 ? 20 : 20)).Append(value).Append('\n');
    }

    /// <summary>Go's time.ANSIC ("Thu May  7 21:09:36 2026") from RFC 3339; the input if unparsable.</summary>
    public static string AnsiC(string? time)
    {
        if (!DockerTime.TryParse(time, out var t))
        {
            return time ?? "";
        }
        return t.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
               + t.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
    }

    private static async Task<int> InfoAsync(CommandContext ctx, FlagSet flags)
    {
        if (flags.GetString("format") is { Length: > 0 } format)
        {
            var raw = await ctx.Client.GetInfoAsync(ctx.CancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(JsonSerializer.Serialize(raw, EngineJson.Context.SystemInfo));
            ctx.Out.WriteLine(GoTemplate.Parse(format).Execute(doc.RootElement, EngineJson.Context.SystemInfo));
            return 0;
        }
        var sb = new StringBuilder("Client:\n");
        sb.Append(" Version:    ").Append(CliApp.Version).Append('\n');
        sb.Append(" Context:    default\n Debug Mode: false\n\nServer:\n");
        SystemInfo info;
        try
        {
            info = await ctx.Client.GetInfoAsync(ctx.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineApiException or DaemonUnreachableException)
        {
            ctx.Out.Write(sb.ToString());
            return ctx.Fail(e);
        }
        void L(string text) => sb.Append(' ').Append(text).Append('\n');
        L($"Containers: {info.Containers}");
        L($" Running: {info.ContainersRunning}");
        L($" Paused: {info.ContainersPaused}");
        L($" Stopped: {info.ContainersStopped}");
        L($"Images: {info.Images}");
        L($"Server Version: {info.ServerVersion}");
        L($"Storage Driver: {info.Driver}");
        foreach (var pair in info.DriverStatus ?? [])
        {
            if (pair.Count == 2)
            {
                L($" {pair[0]}: {pair[1]}");
            }
        }
        L($"Logging Driver: {info.LoggingDriver}");
        L($"Cgroup Driver: {info.CgroupDriver}");
        L($"Cgroup Version: {info.CgroupVersion}");
        L("Plugins:");
        L($" Volume: {string.Join(' ', info.Plugins.Volume ?? [])}");
        L($" Network: {string.Join(' ', info.Plugins.Network ?? [])}");
        if (info.Plugins.Log is { Count: > 0 } logs)
        {
            L($" Log: {string.Join(' ', logs)}");
        }
        L($"Swarm: {info.Swarm.LocalNodeState}");
        L($"Runtimes: {string.Join(' ', (info.Runtimes ?? new Dictionary<string, RuntimeInfo>()).Keys)}");
        L($"Default Runtime: {info.DefaultRuntime}");
        L($"Init Binary: {info.InitBinary}");
        L($"containerd version: {info.ContainerdCommit.ID}");
        L($"runc version: {info.RuncCommit.ID}");
        L($"init version: {info.InitCommit.ID}");
        if (info.SecurityOptions is { Count: > 0 } secopts)
        {
            L("Security Options:");
            foreach (var opt in secopts)
            {
                var kv = opt.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
                L($" {kv.FirstOrDefault(p => p[0] == "name")?[1] ?? opt}");
                foreach (var p in kv.Where(p => p[0] != "name"))
                {
                    L($"  {char.ToUpperInvariant(p[0][0])}{p[0][1..]}: {p[1]}");
                }
            }
        }
        L($"Kernel Version: {info.KernelVersion}");
        L($"Operating System: {info.OperatingSystem}");
        L($"OSType: {info.OSType}");
        L($"Architecture: {info.Architecture}");
        L($"CPUs: {info.NCPU}");
        L($"Total Memory: {BytesSize(info.MemTotal)}");
        L($"Name: {info.Name}");
        L($"ID: {info.ID}");
        L($"Docker Root Dir: {info.DockerRootDir}");
        L($"Debug Mode: {(info.Debug ? "true" : "false")}");
        L($"Experimental: {(info.ExperimentalBuild ? "true" : "false")}");
        var insecure = info.RegistryConfig?.InsecureRegistryCIDRs ?? [];
        if (insecure.Count > 0)
        {
            L("Insecure Registries:");
            foreach (var r in insecure)
            {
                L($" {r}");
            }
        }
        L($"Live Restore Enabled: {(info.LiveRestoreEnabled ? "true" : "false")}");
        ctx.Out.Write(sb.ToString());
        foreach (var w in info.Warnings ?? [])
        {
            ctx.Err.WriteLine(w);
        }
        return 0;
    }

    /// <summary>units.BytesSize: binary units, 4 significant digits ("23.54GiB").</summary>
    public static string BytesSize(double size)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
        var i = 0;
        while (size >= 1024 && i < units.Length - 1)
        {
            size /= 1024;
            i++;
        }
        return DockerUnits.FormatG(size, 4) + units[i];
    }
}
