import {useState} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {useService} from "@web/core/utils/hooks";
import {patch} from "@web/core/utils/patch";
import {session} from "@web/session";
import {PhoneField} from "@web/views/fields/phone/phone_field";
import {useServerErrorNotification} from "@cc_agent/core/hooks.esm";

/**
 * Click-to-dial: agents call a phone or mobile field's number through the
 * phone system from any record (customers, leads, requests). FreeSWITCH rings
 * the agent's phone first, then the customer; the call's progress then shows
 * in the screen-pop.
 */
patch(PhoneField.prototype, {
    setup() {
        super.setup(...arguments);
        this.ccCanDial = Boolean(session.cc_is_agent);
        this.ccOrm = useService("orm");
        this.ccNotification = useService("notification");
        this.ccNotifyServerError = useServerErrorNotification();
        this.ccDial = useState({busy: false});
    },

    get ccDialLabel() {
        return _t("Call %(number)s", {number: this.props.record.data[this.props.name]});
    },

    async onCcDial() {
        // One call at a time: a double click must not place two calls.
        if (this.ccDial.busy) {
            return;
        }
        const {record, name} = this.props;
        const number = record.data[name];
        this.ccDial.busy = true;
        try {
            await this.ccOrm.call("cc.call", "action_dial", [number], {
                res_model: record.resModel,
                res_id: record.resId || false,
            });
        } catch (error) {
            this.ccNotifyServerError(error);
            return;
        } finally {
            this.ccDial.busy = false;
        }
        this.ccNotification.add(_t("Calling %(number)s…", {number}), {type: "info"});
    },
});
