import {describe, expect, test} from "@odoo/hoot";
import {dblclick} from "@odoo/hoot-dom";
import {Deferred} from "@odoo/hoot-mock";
import {
    click,
    contains,
    defineMailModels,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {
    asyncStep,
    makeServerError,
    mountView,
    onRpc,
    patchWithCleanup,
    waitForSteps,
} from "@web/../tests/web_test_helpers";
import {session} from "@web/session";

describe.current.tags("desktop");
defineMailModels();

const FORM = `
    <form>
        <field name="name"/>
        <field name="phone" widget="phone"/>
        <field name="mobile" widget="phone"/>
    </form>`;

/** A customer with a phone and no mobile, and the id of the record. */
async function makeCustomer() {
    const pyEnv = await startServer();
    return pyEnv["res.partner"].create({
        name: "Mohammed Al-Ghamdi",
        phone: "+966 55 111 2233",
    });
}

function mockAgent() {
    patchWithCleanup(session, {cc_is_agent: true});
    // The screen-pop starts for agents.
    onRpc("cc.call", "get_my_live_calls", () => []);
}

test("agents get a dial button beside a number, in forms and lists", async () => {
    mockAgent();
    const partnerId = await makeCustomer();
    await mountView({
        type: "form",
        resModel: "res.partner",
        resId: partnerId,
        arch: FORM,
    });
    await contains(".o_field_widget[name='phone'] button.o_cc_dial", {text: "Dial"});
    // No number, nothing to dial.
    expect(".o_field_widget[name='mobile'] .o_cc_dial").toHaveCount(0);
    expect(".o_field_widget[name='phone'] .o_cc_dial").toHaveAttribute(
        "title",
        "Call +966 55 111 2233"
    );
});

test("lists show the dial button too", async () => {
    mockAgent();
    await makeCustomer();
    await mountView({
        type: "list",
        resModel: "res.partner",
        arch: `<list><field name="name"/><field name="phone" widget="phone"/></list>`,
    });
    await contains(".o_data_row:contains('Mohammed Al-Ghamdi') .o_cc_dial");
});

test("users who do not work as agents get no dial button", async () => {
    patchWithCleanup(session, {cc_is_agent: false});
    const partnerId = await makeCustomer();
    await mountView({
        type: "form",
        resModel: "res.partner",
        resId: partnerId,
        arch: FORM,
    });
    await contains(".o_field_widget[name='phone'] input");
    expect(".o_cc_dial").toHaveCount(0);
});

test("dialing calls the number once from the record, even on a double click", async () => {
    mockAgent();
    const partnerId = await makeCustomer();
    const answer = new Deferred();
    onRpc("cc.call", "action_dial", async ({args, kwargs}) => {
        asyncStep(
            `action_dial ${args[0]} ${kwargs.res_model} ${kwargs.res_id === partnerId}`
        );
        await answer;
        return {call_id: 41, number: "+966551112233"};
    });
    await mountView({
        type: "form",
        resModel: "res.partner",
        resId: partnerId,
        arch: FORM,
    });
    await contains(".o_field_widget[name='phone'] .o_cc_dial");
    await dblclick(".o_field_widget[name='phone'] .o_cc_dial");
    await waitForSteps(["action_dial +966 55 111 2233 res.partner true"]);
    await contains(".o_field_widget[name='phone'] .o_cc_dial:disabled");
    answer.resolve();
    await contains(".o_notification", {text: "Calling +966 55 111 2233…"});
    await contains(".o_field_widget[name='phone'] .o_cc_dial:enabled");
    await waitForSteps([]);
});

test("a refused dial shows the server's reason", async () => {
    mockAgent();
    const partnerId = await makeCustomer();
    onRpc("cc.call", "action_dial", () => {
        asyncStep("action_dial");
        throw makeServerError({
            description:
                "Agent Amal has no FreeSWITCH agent ID: a manager must set it on " +
                "the agent's profile.",
        });
    });
    await mountView({
        type: "form",
        resModel: "res.partner",
        resId: partnerId,
        arch: FORM,
    });
    await click(".o_field_widget[name='phone'] .o_cc_dial");
    await waitForSteps(["action_dial"]);
    await contains(".o_notification:has(.bg-danger)", {
        text: "Agent Amal has no FreeSWITCH agent ID: a manager must set it on the agent's profile.",
    });
    expect(".o_notification:contains('Calling')").toHaveCount(0);
    // The agent can try again.
    expect(".o_field_widget[name='phone'] .o_cc_dial").toBeEnabled();
});
