import {Component} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";

/**
 * Today's handled contacts against the daily minimum: a progress bar, or
 * "Day off" on the company's weekend and public holidays.
 */
export class QuotaProgress extends Component {
    static template = "cc_agent.QuotaProgress";
    static props = {
        handled: Number,
        minimum: Number,
        off: Boolean,
    };

    get percent() {
        return Math.min(
            100,
            Math.round((100 * this.props.handled) / this.props.minimum)
        );
    }

    get met() {
        return this.props.handled >= this.props.minimum;
    }

    get ariaLabel() {
        return _t("%(handled)s of %(minimum)s handled today", {
            handled: this.props.handled,
            minimum: this.props.minimum,
        });
    }
}
